using Akka.Actor;
using Rocket.Broker.Replication;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Store.Format;

namespace Rocket.Broker.Pull;

/// <summary>
/// One queue of one topic on this broker: serves pulls straight from the mapped store files and holds pulls that
/// find nothing new (long polling) until a message arrives or their suspend time runs out.
/// </summary>
public sealed class QueuePartitionActor : ReceiveActor, IWithTimers
{
    /// <summary>The projector built consume-queue entries up to <see cref="MaxOffset"/> on this queue.</summary>
    public sealed record Arrived(long MaxOffset);

    /// <summary>The topic is gone: answer every held pull with <see cref="Error"/> and stop.</summary>
    public sealed record Retire(string Error);

    private sealed class CheckHolds { public static readonly CheckHolds Instance = new(); }

    private sealed record Held(PullRequest Request, IActorRef ReplyTo, DateTime Deadline);

    private readonly MessageStore _store;
    private readonly BrokerSettings _settings;
    private readonly string _topic;
    private readonly int _queueId;
    private readonly List<Held> _held = new();
    private readonly PullFilterCache _filters;
    private readonly PullSuggestion _suggestion;

    public QueuePartitionActor(MessageStore store, BrokerSettings settings, BrokerRoleState role, string topic, int queueId)
    {
        _store = store;
        _settings = settings;
        _topic = topic;
        _queueId = queueId;
        _filters = new PullFilterCache(settings);
        _suggestion = PullSuggestion.For(settings, role);
        Receive<PullRequest>(r => Serve(r, Sender, mayHold: true));
        Receive<Arrived>(_ => ServeHeld(expiredOnly: false));
        Receive<CheckHolds>(_ => ServeHeld(expiredOnly: true));
        Receive<ReleaseHolds>(release =>
        {
            _held.RemoveAll(held => release.Covers(held.ReplyTo));
            if (_held.Count == 0) Timers.Cancel("holds");
        });
        Receive<Retire>(retire =>
        {
            foreach (var held in _held)
                held.ReplyTo.Tell(new PullResponse(held.Request.RequestId, PullStatus.NoSuchQueue, _topic, _queueId,
                    held.Request.Offset, 0, 0, [], retire.Error));
            _held.Clear();
            Context.Stop(Self);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(MessageStore store, BrokerSettings settings, BrokerRoleState role, string topic, int queueId) =>
        Akka.Actor.Props.Create(() => new QueuePartitionActor(store, settings, role, topic, queueId));

    private void Serve(PullRequest request, IActorRef replyTo, bool mayHold)
    {
        var response = Read(request);
        if (response.Status == PullStatus.NoNewMessage && mayHold && request.SuspendMillis > 0)
        {
            var suspend = TimeSpan.FromMilliseconds(Math.Min(request.SuspendMillis, _settings.LongPollingTimeout.TotalMilliseconds));
            _held.Add(new Held(request, replyTo, DateTime.UtcNow + suspend));
            if (!Timers.IsTimerActive("holds"))
                Timers.StartPeriodicTimer("holds", CheckHolds.Instance, TimeSpan.FromMilliseconds(250));
            return;
        }
        replyTo.Tell(response);
    }

    /// <summary>Answers every held pull that now has messages (or whose time is up).</summary>
    private void ServeHeld(bool expiredOnly)
    {
        if (_held.Count == 0) return;
        var now = DateTime.UtcNow;
        for (int i = _held.Count - 1; i >= 0; i--)
        {
            var held = _held[i];
            bool expired = now >= held.Deadline;
            if (expiredOnly && !expired) continue;
            var response = Read(held.Request);
            if (response.Status == PullStatus.NoNewMessage && !expired) continue;
            held.ReplyTo.Tell(response);
            _held.RemoveAt(i);
        }
        if (_held.Count == 0) Timers.Cancel("holds");
    }

    private PullResponse Read(PullRequest request)
    {
        var filter = _filters.For(request.FilterType, request.FilterExpression);
        if (filter.Refusal is { } refusal)
            return new PullResponse(request.RequestId, PullStatus.FilterRefused, _topic, _queueId, request.Offset, 0, 0, [], refusal);
        int max = Math.Clamp(request.MaxCount, 1, _settings.MaxPullBatch);
        var result = _store.GetMessages(_topic, _queueId, request.Offset, max, _settings.MaxPullBytes, filter.TagCodes, filter.Properties);
        var status = result.Status switch
        {
            GetMessageStatus.Found => PullStatus.Found,
            GetMessageStatus.NoMatchedMessage or GetMessageStatus.OffsetFoundNull => PullStatus.NoMatchedMessage,
            GetMessageStatus.OffsetOverflowOne or GetMessageStatus.NoMessageInQueue => PullStatus.NoNewMessage,
            GetMessageStatus.NoMatchedLogicQueue => request.Offset == 0 ? PullStatus.NoNewMessage : PullStatus.OffsetIllegal,
            _ => PullStatus.OffsetIllegal,
        };
        long next = result.Status is GetMessageStatus.NoMessageInQueue or GetMessageStatus.NoMatchedLogicQueue
            ? Math.Max(request.Offset, 0) : result.NextBeginOffset;
        if (result.Status == GetMessageStatus.NoMatchedLogicQueue && request.Offset == 0) next = 0;
        if (status != PullStatus.Found)
            return new PullResponse(request.RequestId, status, _topic, _queueId, next, result.MinOffset, result.MaxOffset, [],
                SuggestBrokerId: _suggestion.Suggest(_store.CommitLog.MaxOffset, null));

        // The store filtered by tag hash (and SQL92 by the real properties); hashes can collide, so the exact tag is
        // checked here, the only place it is (clients trust it). "*" and SQL92 need no check, and no properties are
        // parsed for them.
        var found = result.Messages;
        var messages = new PulledMessage[found.Count];
        int count = 0;
        foreach (var m in found)
            if (!filter.ChecksTags || filter.MatchesTag(m.Tags)) messages[count++] = ToPulled(m);
        if (count < messages.Length) Array.Resize(ref messages, count);
        _store.Stats.Delivered.Add(count);
        long? pulled = found.Count > 0 ? found[^1].PhysicalOffset : null;
        return new PullResponse(request.RequestId, count > 0 ? PullStatus.Found : PullStatus.NoMatchedMessage, _topic, _queueId,
            result.NextBeginOffset, result.MinOffset, result.MaxOffset, messages, SuggestBrokerId: _suggestion.Suggest(_store.CommitLog.MaxOffset, pulled));
    }

    private static PulledMessage ToPulled(StoredMessage m) =>
        new(m.QueueOffset, m.PhysicalOffset, m.BornTimestamp, m.StoreTimestamp, m.ReconsumeTimes, m.Flag, m.Properties, m.Body);
}
