using Akka.Actor;
using Akka.Event;
using Rocket.Broker.Metadata;
using Rocket.Protocol;

namespace Rocket.Broker.Replication;

/// <summary>
/// Copies what a consumer needs from the master to a slave (RocketMQ's SlaveSynchronize: every 10 s): topic configs
/// and every group's consumer offsets, into the slave's own metadata actors, so a slave serves the same topics and a
/// promoted slave continues from the master's last known offsets. On a master it answers the slaves' requests.
/// <c>/user/broker/metadata-copy</c>; the follower tells it which master to copy from (<see cref="ReplicaMasterChanged"/>).
/// </summary>
public sealed class MetadataCopyActor : ReceiveActor, IWithTimers
{
    public const string Name = "metadata-copy";

    private sealed class CopyNow { public static readonly CopyNow Instance = new(); }

    private sealed record Gathered(IActorRef ReplyTo, TopicConfigs? Topics, AllConsumerOffsets? Offsets, string? Error);

    private readonly BrokerSettings _broker;
    private readonly IActorRef _topics;
    private readonly IActorRef _offsets;
    private readonly Func<IActorRefFactory, string, ICanTell> _resolveMaster;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private string? _masterPath;
    private string? _lastError;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="resolveMaster">Addresses the master's broker actor by its path (tests substitute probes).</param>
    public MetadataCopyActor(BrokerSettings broker, IActorRef topics, IActorRef offsets, Func<IActorRefFactory, string, ICanTell>? resolveMaster)
    {
        _broker = broker;
        _topics = topics;
        _offsets = offsets;
        _resolveMaster = resolveMaster ?? ((context, path) => context.ActorSelection(path));
        Receive<ReplicaMasterChanged>(OnMaster);
        Receive<CopyNow>(_ => Request());
        Receive<ReplicaMetadata>(Apply);
        Receive<GetReplicaMetadata>(Gather);
        Receive<Gathered>(Answer);
        Receive<AdminResult>(r =>
        {
            if (!r.Ok) _log.Warning("Slave #{0}: a topic copied from the master was not saved: {1}", _broker.BrokerId, r.Error);
        });
    }

    public static Props Props(BrokerSettings broker, IActorRef topics, IActorRef offsets,
        Func<IActorRefFactory, string, ICanTell>? resolveMaster = null) =>
        Akka.Actor.Props.Create(() => new MetadataCopyActor(broker, topics, offsets, resolveMaster));

    private void OnMaster(ReplicaMasterChanged changed)
    {
        _masterPath = changed.BrokerPath;
        if (_masterPath is null)
        {
            Timers.Cancel("copy");
            return;
        }
        Self.Tell(CopyNow.Instance); // at once: a new slave serves the master's topics without waiting an interval
        Timers.StartPeriodicTimer("copy", CopyNow.Instance, _broker.Replication.MetadataSyncInterval);
    }

    private void Request()
    {
        if (_masterPath is not null) _resolveMaster(Context, _masterPath).Tell(new GetReplicaMetadata(_broker.BrokerName, _broker.BrokerId), Self);
    }

    private void Apply(ReplicaMetadata metadata)
    {
        if (_masterPath is null || metadata.BrokerName != _broker.BrokerName) return;
        foreach (var topic in metadata.Topics ?? []) _topics.Tell(new CreateOrUpdateTopic(topic)); // unchanged ones are not written again
        foreach (var group in (metadata.Offsets ?? []).GroupBy(o => o.Group))
            _offsets.Tell(new CommitOffsets(group.Key, group.Select(o => new QueueOffset(o.Topic, o.QueueId, o.Offset)).ToArray()));
        _log.Debug("Slave #{0}: copied {1} topic configs and {2} consumer offsets from the master", _broker.BrokerId,
            metadata.Topics?.Length ?? 0, metadata.Offsets?.Length ?? 0);
    }

    /// <summary>On the master: asks both metadata actors, answers once both did (or names what failed).</summary>
    private void Gather(GetReplicaMetadata request)
    {
        var timeout = TimeSpan.FromSeconds(5);
        var replyTo = Sender;
        var topics = _topics.Ask<TopicConfigs>(GetTopicConfigs.Instance, timeout);
        var offsets = _offsets.Ask<AllConsumerOffsets>(GetAllConsumerOffsets.Instance, timeout);
        Task.WhenAll(topics, offsets).ContinueWith(_ => topics.IsCompletedSuccessfully && offsets.IsCompletedSuccessfully
            ? new Gathered(replyTo, topics.Result, offsets.Result, null)
            : new Gathered(replyTo, null, null, (topics.Exception ?? offsets.Exception)?.GetBaseException().Message ?? "no answer")).PipeTo(Self);
    }

    private void Answer(Gathered gathered)
    {
        if (gathered.Error is not null)
        {
            if (gathered.Error != _lastError) _log.Warning("Metadata for a slave could not be gathered: {0}", gathered.Error);
            _lastError = gathered.Error;
            return;
        }
        gathered.ReplyTo.Tell(new ReplicaMetadata(_broker.BrokerName, gathered.Topics!.Topics,
            gathered.Offsets!.Offsets.Select(o => new ReplicaOffset(o.Group, o.Topic, o.QueueId, o.Offset)).ToArray()));
    }
}

/// <summary>Follower → metadata copy: copy from this master's broker actor now and every interval; null: stop.</summary>
public sealed record ReplicaMasterChanged(string? BrokerPath);
