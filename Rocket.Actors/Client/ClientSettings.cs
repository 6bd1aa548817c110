using Rocket.Protocol;
using Rocket.Settings;

namespace Rocket.Client;

/// <summary>Settings of the client proxy, read from <c>rocket.client</c>.</summary>
public sealed record ClientSettings
{
    public string[] Seeds { get; init; } = ["127.0.0.1:4053"];
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(3);
    public int RetryTimesWhenSendFailed { get; init; } = 2;
    public TimeSpan PollNameServerInterval { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan PollNameServerIntervalWithoutMaster { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan HeartbeatBrokerInterval { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan PersistConsumerOffsetInterval { get; init; } = TimeSpan.FromSeconds(5);
    public int PullThresholdForQueue { get; init; } = 1000;
    public int PullBatchSize { get; init; } = 32;
    public int MaxCoalescedMessages { get; init; } = 1024;
    public int MaxCoalescedBytes { get; init; } = 64 << 10;
    public int MaxInFlightPerBroker { get; init; } = 16;
    /// <summary>Produce over brokers' data channels when offered (rocket.client.data-channel).</summary>
    public bool DataChannel { get; init; } = true;
    /// <summary>Post sends straight onto an open data channel, not through the broker sender (rocket.client.direct-sends).</summary>
    public bool DirectSends { get; init; } = true;
    public int MaxMessageSize { get; init; } = 4 * 1024 * 1024;
    public long TimerMaxDelaySec { get; init; } = 259200;
    public TimeSpan ConsumerStartTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Where broadcasting consumers keep their offsets (<c>~</c>: the home folder). [rocketmq.client.localOffsetStoreDir]</summary>
    public string LocalOffsetStoreDir { get; init; } = "~/.rocketmq_offsets";
    /// <summary>Names this client in broadcasting offset files (<c>host@instance-name</c>); stable across restarts. [instanceName]</summary>
    public string InstanceName { get; init; } = "DEFAULT";
    public TimeSpan RebalanceLockInterval { get; init; } = TimeSpan.FromSeconds(20);
    public TimeSpan RebalanceLockMaxLiveTime { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Where the client logs (its own messages and its actor system's). Null: warnings and errors go to stderr, never to
    /// stdout. Not read from HOCON: the application passes its own.
    /// </summary>
    public Microsoft.Extensions.Logging.ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>
    /// Reads <c>rocket.client</c> from <paramref name="config"/> (reference defaults behind it). Throws
    /// <see cref="Akka.Configuration.ConfigurationException"/> naming a bad value, or a <c>rocket.*</c> key Rocket does not read.
    /// </summary>
    public static ClientSettings FromConfig(Akka.Configuration.Config config)
    {
        KnownSettings.Check(config);
        var r = new SettingsReader(RocketConfig.WithReference(config).GetConfig("rocket.client"), "rocket.client.");
        var seeds = r.TextList("seeds");
        foreach (var seed in seeds) SeedAddress.Parse(seed); // fails with the key's name on a bad entry
        return new ClientSettings
        {
            Seeds = seeds,
            SendTimeout = r.Duration("send-timeout"),
            RetryTimesWhenSendFailed = r.Int("retry-times-when-send-failed", 0, 16),
            PollNameServerInterval = r.Duration("poll-name-server-interval"),
            PollNameServerIntervalWithoutMaster = r.Duration("poll-name-server-interval-without-master"),
            HeartbeatBrokerInterval = r.Duration("heartbeat-broker-interval"),
            PersistConsumerOffsetInterval = r.Duration("persist-consumer-offset-interval"),
            PullThresholdForQueue = r.Int("pull-threshold-for-queue", 1, 1_000_000),
            PullBatchSize = r.Int("pull-batch-size", 1, 1024),
            MaxCoalescedMessages = r.Int("max-coalesced-messages", 1, 65536),
            MaxCoalescedBytes = r.Bytes("max-coalesced-bytes", 1024, 64 << 20),
            MaxInFlightPerBroker = r.Int("max-in-flight-per-broker", 1, 64),
            DataChannel = r.Bool("data-channel"),
            DirectSends = r.Bool("direct-sends"),
            MaxMessageSize = r.Bytes("max-message-size", 1, 64 * 1024 * 1024),
            TimerMaxDelaySec = r.Long("timer-max-delay-sec", 1, 10L * 365 * 86400),
            ConsumerStartTimeout = r.Duration("consumer-start-timeout"),
            LocalOffsetStoreDir = r.Text("local-offset-store-dir"),
            InstanceName = r.Text("instance-name"),
            RebalanceLockInterval = r.Duration("rebalance-lock-interval"),
            RebalanceLockMaxLiveTime = r.Duration("rebalance-lock-max-live-time"),
        };
    }
}
