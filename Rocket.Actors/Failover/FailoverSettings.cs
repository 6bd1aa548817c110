using Rocket.Settings;

namespace Rocket.Failover;

/// <summary>Settings of the failover coordinator, read from <c>rocket.failover</c> (see reference.conf).</summary>
public sealed record FailoverSettings
{
    public bool Enable { get; init; } = true;
    public TimeSpan FailoverAfter { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan MasterProbeInterval { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan PositionTimeout { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan PromoteTimeout { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan ResendInterval { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MajorityTimeout { get; init; } = TimeSpan.FromSeconds(3);

    public static FailoverSettings FromConfig(Akka.Configuration.Config config)
    {
        var r = new SettingsReader(RocketConfig.WithReference(config).GetConfig("rocket.failover"), "rocket.failover.");
        var s = new FailoverSettings
        {
            Enable = r.Bool("enable"),
            FailoverAfter = r.Duration("failover-after"),
            MasterProbeInterval = r.Duration("master-probe-interval"),
            PositionTimeout = r.Duration("position-timeout"),
            PromoteTimeout = r.Duration("promote-timeout"),
            ResendInterval = r.Duration("resend-interval"),
            MajorityTimeout = r.Duration("majority-timeout"),
        };
        if (s.MasterProbeInterval <= TimeSpan.Zero || s.MasterProbeInterval >= s.FailoverAfter)
            throw new Akka.Configuration.ConfigurationException(
                $"rocket.failover.master-probe-interval ({s.MasterProbeInterval}) must be above zero and shorter than rocket.failover.failover-after ({s.FailoverAfter})");
        if (s.ResendInterval >= s.PromoteTimeout)
            throw new Akka.Configuration.ConfigurationException(
                $"rocket.failover.resend-interval ({s.ResendInterval}) must be shorter than rocket.failover.promote-timeout ({s.PromoteTimeout})");
        return s;
    }
}
