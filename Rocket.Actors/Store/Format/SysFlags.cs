namespace Rocket.Store.Format;

/// <summary>Record sysflag bits; values keep RocketMQ's meaning.</summary>
public static class SysFlags
{
    public const int Compressed = 0x1;
    public const int MultiTags = 0x2;
    public const int TransactionPrepared = 0x4;
    public const int TransactionCommit = 0x8;
    public const int TransactionRollback = 0xC;
    public const int TransactionMask = 0xC;
    public const int BornHostV6 = 0x10;
    public const int StoreHostV6 = 0x20;

    /// <summary>
    /// Rocket's own bit (RocketMQ leaves it unused): the record is a topic tombstone, not a message. The projector deletes
    /// the topic's consume queues when it meets one, so a replay from any checkpoint ends with the topic empty.
    /// </summary>
    public const int TopicTombstone = 0x10000;

    public static bool IsTopicTombstone(int sysFlag) => (sysFlag & TopicTombstone) != 0;

    public static int TransactionType(int sysFlag) => sysFlag & TransactionMask;
}
