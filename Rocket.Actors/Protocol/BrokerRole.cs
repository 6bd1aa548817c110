namespace Rocket.Protocol;

/// <summary>
/// RocketMQ's brokerRole: how a broker of a broker group (one broker name, a master and its slaves) takes part in
/// replication. ASYNC_MASTER acknowledges a send once it is stored locally; SYNC_MASTER only once enough slaves hold
/// its bytes (rocket.broker.in-sync-slaves-min); a SLAVE takes no sends and copies its master's commit log.
/// </summary>
public enum BrokerRole
{
    AsyncMaster,
    SyncMaster,
    Slave,
}

public static class BrokerRoles
{
    /// <summary>RocketMQ's spelling, as broker.conf and <c>rocket cluster</c> show it.</summary>
    public static string Name(this BrokerRole role) => role switch
    {
        BrokerRole.AsyncMaster => "ASYNC_MASTER",
        BrokerRole.SyncMaster => "SYNC_MASTER",
        _ => "SLAVE",
    };

    public static bool IsMaster(this BrokerRole role) => role != BrokerRole.Slave;

    /// <summary>Parses RocketMQ's names (case-insensitive); null for anything else.</summary>
    public static BrokerRole? Parse(string text) => text.Trim().ToUpperInvariant() switch
    {
        "ASYNC_MASTER" => BrokerRole.AsyncMaster,
        "SYNC_MASTER" => BrokerRole.SyncMaster,
        "SLAVE" => BrokerRole.Slave,
        _ => null,
    };
}
