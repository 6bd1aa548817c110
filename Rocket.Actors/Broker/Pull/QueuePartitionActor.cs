using Akka.Actor;
using Rocket.Broker.Replication;
using Rocket.DataChannel;
using Rocket.Protocol;
using Rocket.Store;

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
        var response = Read(request, replyTo);
        if (response is PullResponse { Status: PullStatus.NoNewMessage } && mayHold && request.SuspendMillis > 0)
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
            var response = Read(held.Request, held.ReplyTo);
            if (response is PullResponse { Status: PullStatus.NoNewMessage } && !expired) continue;
            held.ReplyTo.Tell(response);
            _held.RemoveAt(i);
        }
        if (_held.Count == 0) Timers.Cancel("holds");
    }

    /// <summary>
    /// The answer to <paramref name="request"/>: a <see cref="PullResponse"/>, or, when it leaves over the data channel
    /// (<paramref name="replyTo"/> writes onto one: <see cref="IDataChannelAnswers"/>) with messages, an
    /// <see cref="EncodedPullResponse"/> written straight from the mapped records.
    /// </summary>
    private object Read(PullRequest request, IActorRef replyTo)
    {
        var filter = _filters.For(request.FilterType, request.FilterExpression);
        if (filter.Refusal is { } refusal)
            return new PullResponse(request.RequestId, PullStatus.FilterRefused, _topic, _queueId, request.Offset, 0, 0, [], refusal);
        int max = Math.Clamp(request.MaxCount, 1, _settings.MaxPullBatch);
        if (replyTo is IDataChannelAnswers)
        {
            var encoder = new PulledMessageEncoder(filter);
            var read = _store.ReadQueue(_topic, _queueId, request.Offset, max, _settings.MaxPullBytes, filter.TagCodes, filter.Properties, ref encoder);
            var head = Answer(request, read, encoder.LastPhysicalOffset, []);
            if (encoder.Count == 0)
            {
                encoder.Abandon();
                return head;
            }
            _store.Stats.Delivered.Add(encoder.Count);
            return encoder.Finish(head);
        }
        var list = new PulledMessageList(filter);
        var result = _store.ReadQueue(_topic, _queueId, request.Offset, max, _settings.MaxPullBytes, filter.TagCodes, filter.Properties, ref list);
        _store.Stats.Delivered.Add(list.Messages.Count);
        return Answer(request, result, list.LastPhysicalOffset, [.. list.Messages]);
    }

    /// <summary>The response for what the store read; <paramref name="messages"/> are those its sink kept.</summary>
    private PullResponse Answer(PullRequest request, QueueRead read, long? lastPhysicalOffset, PulledMessage[] messages)
    {
        var status = read.Status switch
        {
            GetMessageStatus.Found => PullStatus.Found,
            GetMessageStatus.NoMatchedMessage or GetMessageStatus.OffsetFoundNull => PullStatus.NoMatchedMessage,
            GetMessageStatus.OffsetOverflowOne or GetMessageStatus.NoMessageInQueue => PullStatus.NoNewMessage,
            GetMessageStatus.NoMatchedLogicQueue => request.Offset == 0 ? PullStatus.NoNewMessage : PullStatus.OffsetIllegal,
            _ => PullStatus.OffsetIllegal,
        };
        long next = read.Status is GetMessageStatus.NoMessageInQueue or GetMessageStatus.NoMatchedLogicQueue
            ? Math.Max(request.Offset, 0) : read.NextBeginOffset;
        if (read.Status == GetMessageStatus.NoMatchedLogicQueue && request.Offset == 0) next = 0;
        // A Found read's messages are what its sink kept: the exact tag check (hashes collide) happened there.
        return new PullResponse(request.RequestId, status, _topic, _queueId, next, read.MinOffset, read.MaxOffset, messages,
            SuggestBrokerId: _suggestion.Suggest(_store.CommitLog.MaxOffset, status == PullStatus.Found ? lastPhysicalOffset : null));
    }
}
