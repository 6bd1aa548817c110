using Akka.Actor;
using Akka.Event;
using Rocket.Broker.Metadata;
using Rocket.Broker.Timer;
using Rocket.Protocol;

namespace Rocket.Broker.Replication;

/// <summary>
/// Copies what a consumer needs from the master to a slave (RocketMQ's SlaveSynchronize: every 10 s): topic configs
/// (the slave's topic set becomes the master's: a topic the master no longer has is deleted on the slave, through the
/// broker's own topic delete), every group's consumer offsets (the delay levels' progress among them), and the timer
/// service's progress (<see cref="TimerHandoverFile"/>), so a promoted slave continues from the master's last copied
/// state. On a master it answers the slaves' requests. <c>/user/broker/metadata-copy</c>; the follower tells it which
/// master to copy from (<see cref="ReplicaMasterChanged"/>).
/// </summary>
public sealed class MetadataCopyActor : ReceiveActor, IWithTimers
{
    public const string Name = "metadata-copy";

    private static readonly TimeSpan GatherTimeout = TimeSpan.FromSeconds(5);

    private sealed class CopyNow { public static readonly CopyNow Instance = new(); }

    private sealed record Gathered(IActorRef ReplyTo, TopicConfigs? Topics, AllConsumerOffsets? Offsets, ReplicaTimerProgress? Timer,
        string? Error, string? TimerError);

    private readonly BrokerSettings _broker;
    private readonly IActorRef _topics;
    private readonly IActorRef _offsets;
    private readonly IActorRef _brokerActor;
    private readonly string? _timerDirectory;
    private readonly Func<IActorRefFactory, string, ICanTell> _resolveMaster;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IActorRef _handoverWriter = ActorRefs.Nobody;
    private string? _masterPath;
    private ReplicaMetadata? _pending; // copied, waiting for this broker's own topics and offsets to compare with
    private TopicConfigs? _ownTopics;
    private AllConsumerOffsets? _ownOffsets;
    private string? _lastError;
    private string? _lastTimerError;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="brokerActor">The broker actor: deletes the topics the master no longer has and, on a master, tells
    /// the timer's progress. Null: the parent.</param>
    /// <param name="timerDirectory">The store's timer directory, where a slave keeps the master's timer progress; null: not kept.</param>
    /// <param name="resolveMaster">Addresses the master's broker actor by its path (tests substitute probes).</param>
    public MetadataCopyActor(BrokerSettings broker, IActorRef topics, IActorRef offsets, Func<IActorRefFactory, string, ICanTell>? resolveMaster,
        IActorRef? brokerActor, string? timerDirectory)
    {
        _broker = broker;
        _topics = topics;
        _offsets = offsets;
        _brokerActor = brokerActor ?? Context.Parent;
        _timerDirectory = timerDirectory;
        _resolveMaster = resolveMaster ?? ((context, path) => context.ActorSelection(path));
        Receive<ReplicaMasterChanged>(OnMaster);
        Receive<CopyNow>(_ => Request());
        Receive<ReplicaMetadata>(OnCopied);
        Receive<TopicConfigs>(own =>
        {
            _ownTopics = own;
            ApplyWhenComplete();
        });
        Receive<AllConsumerOffsets>(own =>
        {
            _ownOffsets = own;
            ApplyWhenComplete();
        });
        Receive<TopicOffsetsDeleted>(_ => { });
        Receive<GetReplicaMetadata>(Gather);
        Receive<Gathered>(Answer);
        Receive<AdminResult>(r =>
        {
            if (!r.Ok) _log.Warning("Slave #{0}: a topic change copied from the master failed here: {1}", _broker.BrokerId, r.Error);
        });
    }

    public static Props Props(BrokerSettings broker, IActorRef topics, IActorRef offsets,
        Func<IActorRefFactory, string, ICanTell>? resolveMaster = null, IActorRef? brokerActor = null, string? timerDirectory = null) =>
        Akka.Actor.Props.Create(() => new MetadataCopyActor(broker, topics, offsets, resolveMaster, brokerActor, timerDirectory));

    protected override void PreStart()
    {
        if (_timerDirectory is not null)
            _handoverWriter = Context.ActorOf(TimerHandoverWriterActor.Props(TimerHandoverFile.PathIn(_timerDirectory), _broker.Timer.Dispatcher), "timer-handover");
    }

    private void OnMaster(ReplicaMasterChanged changed)
    {
        _masterPath = changed.BrokerPath;
        _pending = null;
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

    /// <summary>Removals need this broker's own topics and offsets: asked now, the copy is applied when both answered.</summary>
    private void OnCopied(ReplicaMetadata metadata)
    {
        if (_masterPath is null || metadata.BrokerName != _broker.BrokerName) return; // no master any more (promoted), or not ours
        bool asked = _pending is not null;
        _pending = metadata; // a newer copy replaces one still waiting
        if (asked) return;
        _ownTopics = null;
        _ownOffsets = null;
        _topics.Tell(GetTopicConfigs.Instance);
        _offsets.Tell(GetAllConsumerOffsets.Instance);
    }

    private void ApplyWhenComplete()
    {
        if (_pending is not { } metadata || _ownTopics is not { } own || _ownOffsets is not { } ownOffsets || _masterPath is null) return;
        _pending = null;
        _ownTopics = null;
        _ownOffsets = null;
        var masterTopics = metadata.Topics ?? [];
        foreach (var topic in masterTopics) _topics.Tell(new CreateOrUpdateTopic(topic)); // unchanged ones are not written again
        var kept = masterTopics.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in own.Topics.Where(t => !kept.Contains(t.Name) && !SystemTopics.IsInternal(t.Name)))
        {
            _log.Info("Slave #{0}: topic {1} is no longer on the master: deleting it here", _broker.BrokerId, gone.Name);
            _brokerActor.Tell(new DeleteTopic(gone.Name));
        }
        CopyOffsets(metadata.Offsets ?? [], ownOffsets.Offsets);
        if (metadata.Timer is { } timer) _handoverWriter.Tell(timer);
        _log.Debug("Slave #{0}: copied {1} topic configs, {2} consumer offsets{3} from the master", _broker.BrokerId,
            masterTopics.Length, metadata.Offsets?.Length ?? 0, metadata.Timer is null ? "" : " and the timer's progress");
    }

    /// <summary>
    /// The slave's offsets become the master's: a topic on which the slave holds an offset the master does not (the
    /// master deleted the topic, maybe re-created it, within one interval) loses its offsets first, then every
    /// offset of the master is set (the offset actor keeps the order; only changed ones are written).
    /// </summary>
    private void CopyOffsets(ReplicaOffset[] master, GroupQueueOffset[] own)
    {
        var held = master.Select(o => (o.Group, o.Topic, o.QueueId)).ToHashSet();
        foreach (var topic in own.Where(o => !held.Contains((o.Group, o.Topic, o.QueueId))).Select(o => o.Topic).Distinct(StringComparer.Ordinal))
        {
            _log.Info("Slave #{0}: offsets on topic {1} that the master no longer holds are dropped here", _broker.BrokerId, topic);
            _offsets.Tell(new DeleteTopicOffsets(topic));
        }
        foreach (var group in master.GroupBy(o => o.Group))
            _offsets.Tell(new CommitOffsets(group.Key, group.Select(o => new QueueOffset(o.Topic, o.QueueId, o.Offset)).ToArray()));
    }

    /// <summary>On the master: asks both metadata actors and the timer, answers once all did (or names what failed).</summary>
    private void Gather(GetReplicaMetadata request)
    {
        var replyTo = Sender;
        var topics = _topics.Ask<TopicConfigs>(GetTopicConfigs.Instance, GatherTimeout);
        var offsets = _offsets.Ask<AllConsumerOffsets>(GetAllConsumerOffsets.Instance, GatherTimeout);
        var timer = _brokerActor.Ask<TimerProgressAnswer>(GetTimerProgress.Instance, GatherTimeout);
        Task.WhenAll(topics, offsets, timer).ContinueWith(_ => topics.IsCompletedSuccessfully && offsets.IsCompletedSuccessfully
            ? new Gathered(replyTo, topics.Result, offsets.Result, timer.IsCompletedSuccessfully ? timer.Result.Progress : null, null,
                timer.IsCompletedSuccessfully ? null : timer.Exception?.GetBaseException().Message ?? "no answer")
            : new Gathered(replyTo, null, null, null, (topics.Exception ?? offsets.Exception)?.GetBaseException().Message ?? "no answer", null)).PipeTo(Self);
    }

    private void Answer(Gathered gathered)
    {
        if (gathered.Error is not null)
        {
            if (gathered.Error != _lastError) _log.Warning("Metadata for a slave could not be gathered: {0}", gathered.Error);
            _lastError = gathered.Error;
            return;
        }
        // Topics and offsets still go: a slow timer must not stop them; its progress goes with a later copy.
        if (gathered.TimerError is not null && gathered.TimerError != _lastTimerError)
            _log.Warning("The timer's progress for a slave could not be gathered ({0}); topics and offsets are sent without it", gathered.TimerError);
        _lastTimerError = gathered.TimerError;
        gathered.ReplyTo.Tell(new ReplicaMetadata(_broker.BrokerName, gathered.Topics!.Topics,
            gathered.Offsets!.Offsets.Select(o => new ReplicaOffset(o.Group, o.Topic, o.QueueId, o.Offset)).ToArray(), gathered.Timer));
    }
}

/// <summary>Follower → metadata copy: copy from this master's broker actor now and every interval; null: stop.</summary>
public sealed record ReplicaMasterChanged(string? BrokerPath);
