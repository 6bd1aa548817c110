using Akka.Actor;
using Rocket.Client.Consuming;
using Rocket.Protocol;

namespace Rocket.Client;

/// <summary>
/// Lite pull consumer: the client pulls the queues assigned to this member (as in clustering) into a buffer
/// in the background; the application takes messages with <see cref="PollAsync"/>. Polled messages count as
/// consumed; their offsets are committed by <see cref="CommitAsync()"/> and, with AutoCommit, periodically.
/// Assign mode and the queue-level API (pull at an offset, seek, commit an offset) are in PullConsumer.Queues.cs.
/// </summary>
public sealed partial class PullConsumer : Consumer
{
    private readonly PullConsumerOptions _options;

    internal PullConsumer(RocketClient client, PullConsumerOptions options, int instance) : base(client, options.Group, instance)
    {
        if (options.PollBatchSize < 1) throw new RocketClientException("PollBatchSize must be at least 1");
        _options = options;
    }

    /// <summary>Subscribes to <paramref name="topic"/>, filtered by tag ("*", "TagA" or "TagA || TagB"). Before start only.</summary>
    public PullConsumer Subscribe(string topic, string tagExpression = "*") => Subscribe(topic, MessageSelector.ByTag(tagExpression));

    /// <summary>
    /// Subscribes to <paramref name="topic"/> with an explicit selector: by tag, or <see cref="MessageSelector.BySql"/>
    /// (filtered on the broker; an invalid expression throws here, naming its column and the reason). Before start only.
    /// </summary>
    public PullConsumer Subscribe(string topic, MessageSelector selector)
    {
        if (_assigned is not null) throw new RocketClientException(SubscribeAndAssign);
        AddSubscription(topic, selector);
        return this;
    }

    /// <summary>
    /// Joins the group and starts pulling in the background. Completes once every assigned queue knows its start offset:
    /// a message sent after this returns is polled, whatever <see cref="ConsumeFrom"/>.
    /// </summary>
    public async Task StartAsync()
    {
        ThrowIfStarted();
        var config = new ConsumerConfig(ConsumerKind.Pull, _options.Group, MessageModel.Clustering, _options.ConsumeFrom,
            _options.ConsumeTimestamp, _assigned is null ? Subscriptions() : AssignedSubscriptions(), MemberId, Client.Settings)
        {
            PollBatchSize = _options.PollBatchSize,
            AutoCommit = _options.AutoCommit,
            Assigned = _assigned,
        };
        await StartActorAsync(config, "pull").ConfigureAwait(false);
    }

    /// <summary>Buffered messages (up to PollBatchSize), waiting up to <paramref name="timeout"/> for some; empty when none came.</summary>
    public Task<IReadOnlyList<ReceivedMessage>> PollAsync(TimeSpan timeout)
    {
        var reply = new TaskCompletionSource<IReadOnlyList<ReceivedMessage>>(TaskCreationOptions.RunContinuationsAsynchronously);
        Actor.Tell(new PollMessages(timeout, reply));
        return reply.Task;
    }

    /// <summary>Commits the offsets of every message polled so far.</summary>
    public Task CommitAsync()
    {
        var reply = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Actor.Tell(new CommitPolled(reply));
        return reply.Task;
    }
}
