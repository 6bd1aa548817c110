using Akka.Actor;
using Akka.Event;
using Rocket.Broker.Metadata;
using Rocket.Protocol;
using Rocket.Store;

namespace Rocket.Broker.OffsetReset;

/// <summary>
/// Resets a group's offsets on one topic of this broker (RocketMQ's resetOffsetByTime) and keeps the reset from being
/// undone by the group's live consumers. Every client commit and offset question of the broker passes through here on
/// its way to the offset store.
/// </summary>
/// <remarks>
/// A reset gets an epoch. Before the new offsets are written, each live member of the group is fenced: its commits
/// for the topic are dropped until it answers <see cref="ConsumerOffsetsAdopted"/> with that epoch. A commit the
/// consumer sent before it saw the reset (in flight, or a queue it hands over in a rebalance at that moment) would
/// otherwise overwrite the new offset with the old position. Messages from one consumer arrive in the order sent, so
/// what follows its answer already comes from the new position. A member that never answers (it died) is unfenced
/// after <see cref="AdoptionTimeout"/>; it has left the group by then.
/// </remarks>
public sealed class OffsetResetActor : ReceiveActor, IWithTimers
{
    /// <summary>How long a member may take to adopt a reset; well above a send timeout plus a death-watch notice.</summary>
    public static readonly TimeSpan AdoptionTimeout = TimeSpan.FromSeconds(30);

    private sealed record Prepared(ResetGroupOffsets Request, IActorRef ReplyTo, IReadOnlyDictionary<(string Topic, int QueueId), long> Stored,
        LiveGroupConsumer[] Members);
    private sealed record PrepareFailed(ResetGroupOffsets Request, IActorRef ReplyTo, string Error);
    private sealed record Fence(long Epoch, Dictionary<string, IActorRef> Pending, DateTime Deadline);
    private sealed class ExpireFences { public static readonly ExpireFences Instance = new(); }

    private readonly MessageStore _store;
    private readonly string _brokerName;
    private readonly IActorRef _offsets;
    private readonly IActorRef _groups;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<(string Group, string Topic), Fence> _fences = new();
    private IReadOnlyDictionary<string, TopicConfig> _topics = new Dictionary<string, TopicConfig>();
    private long _epoch;

    public ITimerScheduler Timers { get; set; } = null!;

    public OffsetResetActor(MessageStore store, string brokerName, IActorRef offsets, IActorRef groups)
    {
        _store = store;
        _brokerName = brokerName;
        _offsets = offsets;
        _groups = groups;
        Receive<TopicTableChanged>(t => _topics = t.Topics);
        Receive<ResetGroupOffsets>(Prepare);
        Receive<Prepared>(Apply);
        Receive<PrepareFailed>(f => f.ReplyTo.Tell(Refused(f.Request, f.Error)));
        Receive<CommitOffsets>(OnCommit);
        // Offset questions take the commits' path, so an answer never overtakes an earlier commit of the same asker.
        Receive<QueryOffset>(q => _offsets.Forward(q));
        Receive<GetGroupOffsets>(q => _offsets.Forward(q));
        Receive<ConsumerOffsetsAdopted>(OnAdopted);
        Receive<ExpireFences>(_ => Expire());
    }

    public static Props Props(MessageStore store, string brokerName, IActorRef offsets, IActorRef groups) =>
        Akka.Actor.Props.Create(() => new OffsetResetActor(store, brokerName, offsets, groups));

    private GroupOffsetsReset Refused(ResetGroupOffsets r, string error) => new(_brokerName, r.Group, r.Topic, [], [], error);

    private void Prepare(ResetGroupOffsets r)
    {
        if (!_topics.ContainsKey(r.Topic))
        {
            Sender.Tell(Refused(r, $"topic '{r.Topic}' does not exist on broker {_brokerName}"));
            return;
        }
        var replyTo = Sender;
        var timeout = TimeSpan.FromSeconds(5);
        var stored = _offsets.Ask<GroupOffsets>(new GetGroupOffsets(r.Group), timeout);
        var members = _groups.Ask<LiveGroupConsumers>(new GetLiveGroupConsumers(r.Group), timeout);
        Task.WhenAll(stored, members).ContinueWith(t => t.IsCompletedSuccessfully
            ? (object)new Prepared(r, replyTo, stored.Result.Offsets, members.Result.Consumers)
            : new PrepareFailed(r, replyTo, $"broker {_brokerName} could not read the group's offsets or members: {t.Exception?.GetBaseException().Message}"))
            .PipeTo(Self);
    }

    private void Apply(Prepared p)
    {
        var r = p.Request;
        if (!_topics.TryGetValue(r.Topic, out var topic))
        {
            p.ReplyTo.Tell(Refused(r, $"topic '{r.Topic}' does not exist on broker {_brokerName}"));
            return;
        }
        if (p.Stored.Count == 0 && p.Members.Length == 0 && !r.KnownElsewhere)
        {
            p.ReplyTo.Tell(Refused(r, $"group '{r.Group}' is unknown on broker {_brokerName} (no stored offsets, no live consumer)") with { GroupUnknown = true });
            return;
        }
        var changes = new QueueOffsetChange[topic.ReadQueues];
        var offsets = new QueueOffset[topic.ReadQueues];
        for (int queueId = 0; queueId < topic.ReadQueues; queueId++)
        {
            long newOffset = r.Target.Kind switch
            {
                OffsetResetKind.First => _store.GetMinOffset(r.Topic, queueId),
                OffsetResetKind.Last => _store.GetMaxOffset(r.Topic, queueId),
                _ => _store.SearchOffsetByTime(r.Topic, queueId, r.Target.Timestamp),
            };
            long old = p.Stored.TryGetValue((r.Topic, queueId), out var o) ? o : -1;
            changes[queueId] = new QueueOffsetChange(queueId, old, newOffset);
            offsets[queueId] = new QueueOffset(r.Topic, queueId, newOffset);
        }
        // Unique across restarts of this broker too, so a late answer to an earlier reset never lifts a newer fence.
        _epoch = Math.Max(_epoch + 1, DateTime.UtcNow.Ticks);
        long epoch = _epoch;
        if (p.Members.Length > 0)
        {
            _fences[(r.Group, r.Topic)] = new Fence(epoch, p.Members.ToDictionary(m => m.ClientId, m => m.Consumer), DateTime.UtcNow + AdoptionTimeout);
            Timers.StartSingleTimer(ExpireFences.Instance, ExpireFences.Instance, AdoptionTimeout);
        }
        _offsets.Tell(new CommitOffsets(r.Group, offsets), Self);
        var notice = new ResetConsumerOffsets(_brokerName, r.Group, r.Topic, epoch, offsets);
        foreach (var member in p.Members) member.Consumer.Tell(notice, Self);
        _log.Info("Broker {0}: offsets of group {1} on topic {2} reset to {3} ({4} queue(s)); pushed to {5} live consumer(s)",
            _brokerName, r.Group, r.Topic, r.Target, offsets.Length, p.Members.Length);

        // The offset store answers a query once every earlier commit is durable: the reply means "written".
        var reply = new GroupOffsetsReset(_brokerName, r.Group, r.Topic, changes, p.Members.Select(m => m.ClientId).Order(StringComparer.Ordinal).ToArray(), null);
        var brokerName = _brokerName;
        _offsets.Ask<GroupOffsets>(new GetGroupOffsets(r.Group), TimeSpan.FromSeconds(5)).ContinueWith(t => t.IsCompletedSuccessfully
            ? reply
            : reply with { Error = $"broker {brokerName} did not confirm writing the new offsets: {t.Exception?.GetBaseException().Message}" })
            .PipeTo(p.ReplyTo);
    }

    private void OnCommit(CommitOffsets commit)
    {
        if (_fences.Count == 0)
        {
            _offsets.Forward(commit);
            return;
        }
        var sender = Sender;
        var kept = commit.Offsets.Where(o => !(_fences.TryGetValue((commit.Group, o.Topic), out var fence) && fence.Pending.ContainsValue(sender))).ToArray();
        if (kept.Length < commit.Offsets.Length)
            _log.Debug("Broker {0}: dropped {1} commit(s) of group {2} sent before its consumer adopted an offset reset",
                _brokerName, commit.Offsets.Length - kept.Length, commit.Group);
        if (kept.Length > 0) _offsets.Tell(kept.Length == commit.Offsets.Length ? commit : commit with { Offsets = kept }, sender);
    }

    private void OnAdopted(ConsumerOffsetsAdopted adopted)
    {
        if (!_fences.TryGetValue((adopted.Group, adopted.Topic), out var fence) || fence.Epoch != adopted.Epoch) return;
        fence.Pending.Remove(adopted.ClientId);
        if (fence.Pending.Count == 0) _fences.Remove((adopted.Group, adopted.Topic));
    }

    private void Expire()
    {
        var now = DateTime.UtcNow;
        foreach (var (key, fence) in _fences.Where(f => f.Value.Deadline <= now).ToArray())
        {
            _log.Warning("Broker {0}: consumer(s) {1} of group {2} did not adopt the offset reset of topic {3} within {4} s; their commits count again",
                _brokerName, string.Join(", ", fence.Pending.Keys), key.Group, key.Topic, AdoptionTimeout.TotalSeconds);
            _fences.Remove(key);
        }
        if (_fences.Count > 0)
            Timers.StartSingleTimer(ExpireFences.Instance, ExpireFences.Instance,
                _fences.Values.Min(f => f.Deadline) - now + TimeSpan.FromMilliseconds(10));
    }
}
