using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using Rocket.Protocol;

namespace Rocket.Naming;

/// <summary>
/// Runs on a broker node and keeps that broker's <see cref="BrokerRecord"/> in the replicated broker table.
/// It is the only writer of its entry and re-publishes every <see cref="NamingSettings.PublishInterval"/> with a fresh
/// <see cref="BrokerRecord.PublishedAt"/>, so the table is soft state that readers may expire. Re-publishing writes
/// locally and lets gossip spread it; a changed record, and the record when this node becomes a member, is written
/// to every node at once, so seeds route to a (re)started broker without waiting for gossip rounds.
/// </summary>
public sealed class BrokerPublisher : ReceiveActor, IWithTimers
{
    /// <summary>A record this large is suspicious: gossip carries the whole table, and a frame holds 128 KiB.</summary>
    internal const int LargeRecordBytes = 32 * 1024;

    private sealed class Republish
    {
        public static readonly Republish Instance = new();
    }

    private sealed class BecameMember
    {
        public static readonly BecameMember Instance = new();
    }

    /// <summary>How long a write to every node may take before gossip is left to finish it.</summary>
    private static readonly TimeSpan WriteAllTimeout = TimeSpan.FromSeconds(3);

    private readonly NamingSettings _settings;
    private readonly IActorRef _replicator = DistributedData.Get(Context.System).Replicator;
    private readonly UniqueAddress _self = Cluster.Get(Context.System).SelfUniqueAddress;
    private readonly string _memberAddress = Cluster.Get(Context.System).SelfAddress.ToString();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private BrokerRecord? _record;

    public ITimerScheduler Timers { get; set; } = null!;

    public BrokerPublisher(NamingSettings settings)
    {
        _settings = settings;
        Receive<PublishBrokerRecord>(OnPublish);
        Receive<Republish>(_ => Write(everyNode: false));
        Receive<BecameMember>(_ => Write(everyNode: true));
        Receive<UpdateSuccess>(_ => { });
        Receive<UpdateTimeout>(_ => _log.Debug("Not every node confirmed the broker record within {0}; gossip spreads it", WriteAllTimeout));
        Receive<IUpdateFailure>(f => _log.Warning("Publishing broker record failed: {0}", f));
    }

    protected override void PreStart()
    {
        var self = Self;
        Cluster.Get(Context.System).RegisterOnMemberUp(() => self.Tell(BecameMember.Instance));
    }

    public static Props Props(NamingSettings settings) => Akka.Actor.Props.Create(() => new BrokerPublisher(settings));

    private void OnPublish(PublishBrokerRecord publish)
    {
        // Readers match the record against cluster membership, so the address must be this node's own.
        var record = publish.Record with { MemberAddress = _memberAddress };
        if (_record is not null && _record.Key != record.Key)
            RemoveEntry(_record.Key, Self);
        WarnIfLarge(record);
        _record = record;
        Write(everyNode: true);
        // Restarting the timer after an explicit publish keeps the spacing even.
        Timers.StartPeriodicTimer("republish", Republish.Instance, _settings.PublishInterval);
    }

    private void Write(bool everyNode)
    {
        if (_record is null) return;
        var fresh = _record with { PublishedAt = BrokerRegistry.NowMillis() };
        IWriteConsistency consistency = everyNode ? new WriteAll(WriteAllTimeout) : WriteLocal.Instance;
        _replicator.Tell(Dsl.Update(BrokerRegistry.Key, BrokerRegistry.Empty, consistency,
            table => table.SetItem(_self, fresh.Key, fresh)));
    }

    private void RemoveEntry(string key, IActorRef? replyTo) =>
        _replicator.Tell(Dsl.Update(BrokerRegistry.Key, BrokerRegistry.Empty, WriteLocal.Instance,
            table => table.ContainsKey(key) ? table.Remove(_self, key) : table), replyTo);

    private void WarnIfLarge(BrokerRecord record)
    {
        var bytes = Context.System.Serialization.FindSerializerFor(record).ToBinary(record).Length;
        if (bytes > LargeRecordBytes)
            _log.Warning("Broker record {0} is {1} bytes ({2} topics); the gossiped broker table may exceed the remote frame size",
                record.Key, bytes, record.Topics.Length);
    }

    protected override void PostStop()
    {
        // Best effort: on a graceful stop the entry goes at once; after a crash readers drop it by membership and expiry.
        if (_record is not null)
            RemoveEntry(_record.Key, ActorRefs.NoSender);
        base.PostStop();
    }
}
