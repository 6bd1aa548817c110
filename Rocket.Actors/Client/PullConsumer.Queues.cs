using Rocket.Protocol.Filtering;
using Akka.Actor;
using Rocket.Client.Consuming;
using Rocket.Client.Routing;
using Rocket.Protocol;

namespace Rocket.Client;

/// <summary>What <see cref="PullConsumer.PullAsync"/> read from a queue.</summary>
/// <param name="Status">Found, NoNewMessage (nothing at the offset yet), NoMatchedMessage (entries scanned, none matched the
/// tag expression) or OffsetIllegal (the offset is outside [MinOffset, MaxOffset]).</param>
/// <param name="NextOffset">Where the next pull of this queue starts.</param>
public sealed record PullResult(PullStatus Status, long NextOffset, long MinOffset, long MaxOffset, IReadOnlyList<ReceivedMessage> Messages);

/// <summary>
/// The queue-level pull API (RocketMQ's DefaultLitePullConsumer assign mode and DefaultMQPullConsumer): list a topic's
/// queues, assign queues instead of subscribing (no group rebalance), seek, pull a queue at an offset, commit an offset
/// and read the committed one. Pull, commit and the committed offset need no <see cref="StartAsync"/>.
/// </summary>
public sealed partial class PullConsumer
{
    private const string SubscribeAndAssign = "a pull consumer either subscribes (its group rebalances the queues) or is assigned queues, not both";

    private IReadOnlyList<MessageQueue>? _assigned;

    /// <summary>
    /// The readable queues of <paramref name="topic"/>, sorted by broker and queue id: on each broker group's live master,
    /// or on a slave of a group whose master is down (readable, not writable).
    /// </summary>
    /// <exception cref="RocketClientException">The topic has no route (<see cref="RocketErrorCode.TopicNotFound"/>).</exception>
    public async Task<IReadOnlyList<MessageQueue>> FetchMessageQueuesAsync(string topic)
    {
        Producing.MessageValidator.ValidateTopic(topic);
        var queues = TopicQueues.From(await Client.GetRouteAnswerAsync(topic, refresh: true).ConfigureAwait(false));
        if (queues.Readable.Count == 0)
            throw new RocketClientException($"topic '{topic}' has no readable queue on any live broker (not created, or not routed yet)",
                RocketErrorCode.TopicNotFound);
        return queues.Readable;
    }

    /// <summary>
    /// Assign mode: this consumer pulls exactly <paramref name="queues"/> (no group membership, no rebalance) from their
    /// committed offsets (or <see cref="PullConsumerOptions.ConsumeFrom"/> without one). Before start only; not with Subscribe.
    /// </summary>
    public PullConsumer Assign(IEnumerable<MessageQueue> queues)
    {
        ArgumentNullException.ThrowIfNull(queues);
        ThrowIfStarted();
        if (HasSubscriptions) throw new RocketClientException(SubscribeAndAssign);
        var list = queues.Distinct().ToArray();
        if (list.Length == 0) throw new RocketClientException($"consumer of group '{Group}': Assign needs at least one queue");
        foreach (var q in list)
        {
            Producing.MessageValidator.ValidateTopic(q.Topic);
            if (SystemTopics.IsInternal(q.Topic)) throw new RocketClientException(InternalTopicRefusals.Pull(q.Topic));
            if (q.QueueId < 0) throw new RocketClientException($"queue id {q.QueueId} of {q} is negative");
        }
        _assigned = list;
        return this;
    }

    /// <summary>The queues given to <see cref="Assign"/>; null in subscribe mode.</summary>
    public IReadOnlyList<MessageQueue>? Assignment => _assigned;

    private Dictionary<string, SubscriptionFilter> AssignedSubscriptions() =>
        _assigned!.Select(q => q.Topic).Distinct().ToDictionary(t => t, _ => SubscriptionFilter.All, StringComparer.Ordinal);

    /// <summary>
    /// The running consumer continues <paramref name="queue"/> (assigned, or given by the rebalance) at
    /// <paramref name="offset"/>; messages pulled before and not yet polled are dropped.
    /// </summary>
    /// <exception cref="RocketClientException">Not started, the queue is not held, or the offset is outside the queue's [min, max].</exception>
    public async Task SeekAsync(MessageQueue queue, long offset)
    {
        var actor = Actor;
        var range = await QueueRangeAsync(queue).ConfigureAwait(false);
        if (offset < range.MinOffset || offset > range.MaxOffset)
            throw new RocketClientException($"cannot seek {queue} to offset {offset}: it holds offsets [{range.MinOffset}, {range.MaxOffset}]");
        var reply = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        actor.Tell(new SeekQueue(queue, offset, reply));
        await reply.Task.ConfigureAwait(false);
    }

    /// <summary>Seeks <paramref name="queue"/> to its oldest stored message.</summary>
    public async Task SeekToBeginAsync(MessageQueue queue) => await SeekAsync(queue, (await QueueRangeAsync(queue).ConfigureAwait(false)).MinOffset).ConfigureAwait(false);

    /// <summary>Seeks <paramref name="queue"/> past its newest message: only messages stored from now on.</summary>
    public async Task SeekToEndAsync(MessageQueue queue) => await SeekAsync(queue, (await QueueRangeAsync(queue).ConfigureAwait(false)).MaxOffset).ConfigureAwait(false);

    /// <summary>
    /// Reads up to <paramref name="maxCount"/> messages of <paramref name="queue"/> from <paramref name="offset"/>, filtered
    /// on the broker by <paramref name="tagExpression"/>; answers at once (no long polling). Moves no offset: commit with
    /// <see cref="CommitAsync(MessageQueue, long)"/>.
    /// </summary>
    /// <exception cref="RocketClientException">The broker refuses the pull (unknown queue, no read permission), or did not answer.</exception>
    public Task<PullResult> PullAsync(MessageQueue queue, long offset, int maxCount, string tagExpression = "*")
    {
        if (TagExpression.Sql92Hint(tagExpression) is { } why)
            throw new RocketClientException($"tag expression '{tagExpression}' looks like SQL92 ({why}); a tag expression is '*' or tags joined by '||', " +
                "and a SQL92 condition is pulled with MessageSelector.BySql", RocketErrorCode.NotSupported);
        return PullAsync(queue, offset, maxCount, MessageSelector.ByTag(tagExpression));
    }

    /// <summary>As <see cref="PullAsync(MessageQueue, long, int, string)"/>, filtered by tag or by SQL92 (evaluated on the broker).</summary>
    public async Task<PullResult> PullAsync(MessageQueue queue, long offset, int maxCount, MessageSelector selector)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(selector);
        if (maxCount is < 1 or > 1024) throw new RocketClientException($"maxCount must be in [1, 1024], not {maxCount}");
        if (offset < 0) throw new RocketClientException($"offset must be 0 or more, not {offset}");
        SubscriptionFilter filter;
        try { filter = SubscriptionFilter.Compile(selector.Type == ExpressionType.Sql92 ? FilterType.Sql92 : FilterType.Tag, selector.Expression); }
        catch (FilterSyntaxException e) { throw new RocketClientException(e.Message, e); }
        catch (ArgumentException e) { throw new RocketClientException(e.Message); }
        var broker = await BrokerOfAsync(queue, forWrite: false).ConfigureAwait(false);
        var request = new PullRequest(0, Group, queue.Topic, queue.QueueId, offset, maxCount, filter.Expression, SuspendMillis: 0, filter.Type);
        var response = await AskAsync<PullResponse>(broker, request, $"pull of {queue} at offset {offset}").ConfigureAwait(false);
        if (response.Status is not (PullStatus.Found or PullStatus.NoNewMessage or PullStatus.NoMatchedMessage or PullStatus.OffsetIllegal))
            throw new RocketClientException($"broker {queue.BrokerName} refuses the pull of {queue}: {response.Status}: {response.Error ?? "no reason given"}");
        var messages = new ReceivedMessage[response.Messages.Length];
        for (int i = 0; i < messages.Length; i++) messages[i] = new ReceivedMessage(response.Messages[i], queue);
        return new PullResult(response.Status, response.NextOffset, response.MinOffset, response.MaxOffset, messages);
    }

    /// <summary>
    /// Stores <paramref name="offset"/> (the next offset to consume) as the group's offset of <paramref name="queue"/> on
    /// its broker; returns once the broker has it. RocketMQ's updateConsumeOffset + persist.
    /// </summary>
    public async Task CommitAsync(MessageQueue queue, long offset)
    {
        ArgumentNullException.ThrowIfNull(queue);
        if (offset < 0) throw new RocketClientException($"offset must be 0 or more, not {offset}");
        var broker = await BrokerOfAsync(queue, forWrite: true).ConfigureAwait(false);
        broker.Tell(new CommitOffsets(Group, [new QueueOffset(queue.Topic, queue.QueueId, offset)]));
        // Commits are not answered; the stored offset is read back until it shows (a commit takes one more hop than a query).
        var deadline = DateTime.UtcNow + Client.Settings.SendTimeout;
        long stored;
        while ((stored = await GetCommittedOffsetAsync(queue).ConfigureAwait(false)) != offset)
        {
            if (DateTime.UtcNow >= deadline)
                throw new RocketClientException($"broker {queue.BrokerName} did not store offset {offset} of {queue} for group '{Group}' " +
                                                $"within {Client.Settings.SendTimeout.TotalSeconds:0.#} s (it holds {stored})");
            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    /// <summary>The group's committed offset of <paramref name="queue"/> on its broker; -1 when it has none.</summary>
    public async Task<long> GetCommittedOffsetAsync(MessageQueue queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        var broker = await BrokerOfAsync(queue, forWrite: true).ConfigureAwait(false);
        var answer = await AskAsync<OffsetAnswer>(broker, new QueryOffset(Group, queue.Topic, queue.QueueId), $"committed offset of {queue}",
            repeat: true).ConfigureAwait(false);
        return answer.Offset;
    }

    private async Task<QueueOffsets> QueueRangeAsync(MessageQueue queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        var broker = await BrokerOfAsync(queue, forWrite: false).ConfigureAwait(false);
        return await AskAsync<QueueOffsets>(broker, new QueryQueueOffsets(queue.Topic, queue.QueueId), $"offsets of {queue}", repeat: true)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// The broker that serves <paramref name="queue"/>: for reads its group's master, else a slave (RocketMQ's consumers
    /// fall back to one); offsets (<paramref name="forWrite"/>) only on a master, since a slave does not store them.
    /// </summary>
    private async Task<ActorSelection> BrokerOfAsync(MessageQueue queue, bool forWrite)
    {
        foreach (bool refresh in new[] { false, true })
        {
            var queues = TopicQueues.From(await Client.GetRouteAnswerAsync(queue.Topic, refresh).ConfigureAwait(false));
            if (!queues.Readable.Contains(queue)) continue;
            if (!forWrite) return Client.System.ActorSelection(queues.ReadFrom(queue.BrokerName)!.Path);
            if (queues.MasterPaths.TryGetValue(queue.BrokerName, out var master)) return Client.System.ActorSelection(master);
            if (refresh)
                throw new RocketClientException($"broker group {queue.BrokerName} has no live master now (its queues are read from a slave, " +
                                                $"which does not store offsets): the offset of {queue} for group '{Group}' can be committed or " +
                                                "read once a master is back");
        }
        throw new RocketClientException($"queue {queue} is not a readable queue of a live broker (topic '{queue.Topic}' unknown, " +
                                        $"broker {queue.BrokerName} not live, or queue id beyond its read queues)", RocketErrorCode.TopicNotFound);
    }

    /// <param name="repeat">A question that changes nothing: asked again while its answer has not come (see <see cref="Remoting.RepeatedAsk"/>).</param>
    private async Task<T> AskAsync<T>(ActorSelection broker, object request, string what, bool repeat = false)
    {
        try
        {
            return await (repeat ? Remoting.RepeatedAsk.AskAsync<T>(broker, request, Client.Settings.SendTimeout)
                : broker.Ask<T>(request, Client.Settings.SendTimeout)).ConfigureAwait(false);
        }
        catch (AskTimeoutException e)
        {
            throw new RocketClientException($"{what}: the broker did not answer within {Client.Settings.SendTimeout.TotalSeconds:0.#} s", e);
        }
    }
}
