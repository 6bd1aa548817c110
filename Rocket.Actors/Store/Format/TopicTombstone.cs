namespace Rocket.Store.Format;

/// <summary>
/// The commit-log record that deletes a topic: everything of the topic before it in the log is unreachable, and the
/// topic's queue offsets start again at 0 after it. It is a record (not a side file) so the log's order decides what
/// a crash-recovery replay rebuilds: old messages are replayed, then deleted again by the tombstone that follows them.
/// </summary>
public static class TopicTombstone
{
    // The log refuses empty bodies; the text also tells a human reading a dump what the record is.
    private static readonly byte[] Body = "topic deleted"u8.ToArray();

    public static MessageToStore For(string topic) => new(topic, 0, Body, SysFlag: SysFlags.TopicTombstone);
}
