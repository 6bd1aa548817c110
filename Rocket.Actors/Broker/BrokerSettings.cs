using Rocket.Protocol;
using Rocket.Broker.Timer;
using Rocket.Broker.Schedule;
using Rocket.Broker.Transaction;
using Rocket.Settings;

namespace Rocket.Broker;

/// <summary>Settings of one broker, read from <c>rocket.broker</c>; errors name the key.</summary>
public sealed record BrokerSettings
{
    public string ClusterName { get; init; } = "DefaultCluster";
    public string BrokerName { get; init; } = "broker-a";
    public long BrokerId { get; init; }
    /// <summary>
    /// The configured role (RocketMQ's brokerRole): the role the broker starts in. Failover changes a running broker's
    /// role, so whether it is master now is <c>Broker.Replication.BrokerRoleState</c>'s to say, never this nor the broker id.
    /// </summary>
    public BrokerRole BrokerRole { get; init; } = BrokerRole.AsyncMaster;
    public bool AutoCreateTopicEnable { get; init; } = true;
    public int DefaultTopicQueueNums { get; init; } = 8;
    public TimeSpan LongPollingTimeout { get; init; } = TimeSpan.FromSeconds(15);
    public int MaxPullBatch { get; init; } = 32;
    public int MaxPullBytes { get; init; } = 256 * 1024;
    /// <summary>RocketMQ's slaveReadEnable: pull responses may suggest a slave for a backlog (see Pull/PullSuggestion).</summary>
    public bool SlaveReadEnable { get; init; }
    /// <summary>RocketMQ's accessMessageInMemoryMaxRatio: percent of memory a pull may lag the log's end and count as cached.</summary>
    public int AccessMessageInMemoryMaxRatio { get; init; } = 40;
    public TimeSpan ConsumerExpiry { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>RocketMQ's enablePropertyFilter: whether pulls may filter by SQL92 (off: such pulls are refused).</summary>
    public bool EnablePropertyFilter { get; init; }
    public TimeSpan RebalanceLockMaxLiveTime { get; init; } = TimeSpan.FromSeconds(60);
    public TimerSettings Timer { get; init; } = new();
    /// <summary>RocketMQ's messageDelayLevel (the table in reference.conf; tests shorten it).</summary>
    public DelayLevelTable MessageDelayLevel { get; init; } = DelayLevelTable.Parse("1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h");
    public TransactionSettings Transaction { get; init; } = new();
    public Replication.ReplicationSettings Replication { get; init; } = new();
    /// <summary>Whether clients may send produce requests over the broker's data channel (plain TCP).</summary>
    public bool DataChannelEnable { get; init; } = true;
    /// <summary>The data channel's TCP port; 0 picks a free one at start (clients ask the broker for it).</summary>
    public int DataChannelPort { get; init; }

    public static BrokerSettings FromConfig(Akka.Configuration.Config config)
    {
        var root = RocketConfig.WithReference(config);
        var r = new SettingsReader(root.GetConfig("rocket.broker"), "rocket.broker.", root);
        var s = new BrokerSettings
        {
            ClusterName = r.Text("cluster-name"),
            BrokerName = r.Text("broker-name"),
            BrokerId = r.Long("broker-id", 0, long.MaxValue),
            BrokerRole = Role(r.Text("broker-role")),
            AutoCreateTopicEnable = r.Bool("auto-create-topic-enable"),
            DefaultTopicQueueNums = r.Int("default-topic-queue-nums", 1, 1024),
            LongPollingTimeout = r.Duration("long-polling-timeout"),
            MaxPullBatch = r.Int("max-pull-batch", 1, 1024),
            MaxPullBytes = r.Bytes("max-pull-bytes", 1024, 64 << 20),
            SlaveReadEnable = r.Bool("slave-read-enable"),
            AccessMessageInMemoryMaxRatio = r.Int("access-message-in-memory-max-ratio", 0, 100),
            ConsumerExpiry = r.Duration("consumer-expiry"),
            EnablePropertyFilter = r.Bool("enable-property-filter"),
            RebalanceLockMaxLiveTime = r.Duration("rebalance-lock-max-live-time"),
            Timer = TimerSettings.Read(r),
            MessageDelayLevel = DelayLevels(r.Text("message-delay-level")),
            Transaction = TransactionSettings.Read(r),
            Replication = Rocket.Broker.Replication.ReplicationSettings.Read(r),
            DataChannelEnable = r.Bool("data-channel-enable"),
            DataChannelPort = r.Int("data-channel-port", 0, 65535),
        };
        if (s.BrokerName.AsSpan().IndexOfAny(['/', ' ', '\t']) >= 0)
            throw new Akka.Configuration.ConfigurationException($"rocket.broker.broker-name = '{s.BrokerName}' must not contain '/' or spaces");
        if ((s.BrokerId == 0) != s.BrokerRole.IsMaster())
            throw new Akka.Configuration.ConfigurationException(s.BrokerId == 0
                ? $"rocket.broker.broker-role = {s.BrokerRole.Name()} needs broker-id > 0 (broker-id 0 is the master)"
                : $"rocket.broker.broker-role = {s.BrokerRole.Name()} with broker-id = {s.BrokerId}: a broker with an id above 0 is a SLAVE");
        return s;
    }

    private static BrokerRole Role(string text) => BrokerRoles.Parse(text)
        ?? throw new Akka.Configuration.ConfigurationException($"rocket.broker.broker-role = \"{text}\" is not one of ASYNC_MASTER, SYNC_MASTER, SLAVE");

    private static DelayLevelTable DelayLevels(string text)
    {
        try { return DelayLevelTable.Parse(text); }
        catch (FormatException e) { throw new Akka.Configuration.ConfigurationException($"rocket.broker.message-delay-level = \"{text}\": {e.Message}"); }
    }
}
