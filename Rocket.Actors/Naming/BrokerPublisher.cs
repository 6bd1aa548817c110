using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using Rocket.Protocol;

namespace Rocket.Naming;

/// <summary>
/// Runs on a broker node and keeps that broker's <see cref="BrokerRecord"/> in the replicated broker table.
/// It is the only writer of its entry, writes locally (gossip spreads it) and re-publishes every
/// <see cref="NamingSettings.PublishInterval"/> with a fresh <see cref="BrokerRecord.PublishedAt"/>, so the
/// table is soft state that readers may expire.
/// </summary>
public sealed class BrokerPublisher : ReceiveActor, IWithTimers
{
    /// <summary>A record this large is suspicious: gossip carries the whole table, and a frame holds 128 KiB.</summary>
    internal const int LargeRecordBytes = 32 * 1024;

    private sealed class Republish
    {
        public static readonly Republish Instance = new();
    }

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
        Receive<Republish>(_ => Write());
        Receive<UpdateSuccess>(_ => { });
        Receive<IUpdateFailure>(f => _log.Warning("Publishing broker record failed: {0}", f));
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
        Write();
        // Restarting the timer after an explicit publish keeps the spacing even.
        Timers.StartPeriodicTimer("republish", Republish.Instance, _settings.PublishInterval);
    }

    private void Write()
    {
        if (_record is null) return;
        var fresh = _record with { PublishedAt = BrokerRegistry.NowMillis() };
        _replicator.Tell(Dsl.Update(BrokerRegistry.Key, BrokerRegistry.Empty, WriteLocal.Instance,
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
