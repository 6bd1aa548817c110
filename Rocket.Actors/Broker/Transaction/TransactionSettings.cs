using Rocket.Settings;

namespace Rocket.Broker.Transaction;

/// <summary>The transaction check's settings, read from <c>rocket.broker</c> with RocketMQ's broker.conf names in kebab-case.</summary>
public sealed record TransactionSettings
{
    /// <summary>A half message is checked back once it (or its last check) is this old. [transactionTimeOut]</summary>
    public TimeSpan TransactionTimeout { get; init; } = TimeSpan.FromSeconds(6);

    /// <summary>Checks after which an unanswered half message is discarded. [transactionCheckMax]</summary>
    public int TransactionCheckMax { get; init; } = 15;

    /// <summary>How often the check looks for half messages to check. [transactionCheckInterval]</summary>
    public TimeSpan TransactionCheckInterval { get; init; } = TimeSpan.FromSeconds(60);

    internal static TransactionSettings Read(SettingsReader r)
    {
        var s = new TransactionSettings
        {
            TransactionTimeout = r.Duration("transaction-timeout"),
            TransactionCheckMax = r.Int("transaction-check-max", 1, 10_000),
            TransactionCheckInterval = r.Duration("transaction-check-interval"),
        };
        if (s.TransactionTimeout <= TimeSpan.Zero)
            throw new Akka.Configuration.ConfigurationException($"rocket.broker.transaction-timeout = {s.TransactionTimeout} must be positive");
        if (s.TransactionCheckInterval <= TimeSpan.Zero)
            throw new Akka.Configuration.ConfigurationException($"rocket.broker.transaction-check-interval = {s.TransactionCheckInterval} must be positive");
        return s;
    }
}
