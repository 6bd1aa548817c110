using Akka.Actor;
using Rocket.Client.Consuming;
using Rocket.Protocol;

namespace Rocket.Client;

/// <summary>
/// Lite pull consumer: the client pulls the queues assigned to this member (as in clustering) into a buffer
/// in the background; the application takes messages with <see cref="PollAsync"/>. Polled messages count as
/// consumed; their offsets are committed by <see cref="CommitAsync"/> and, with AutoCommit, periodically.
/// </summary>
public sealed class PullConsumer : IAsyncDisposable
{
    private readonly RocketClient _client;
    private readonly PullConsumerOptions _options;
    private readonly int _instance;
    private int _starts;
    private readonly Dictionary<string, TagFilter> _subscriptions = new(StringComparer.Ordinal);
    private IActorRef? _actor;

    internal PullConsumer(RocketClient client, PullConsumerOptions options, int instance)
    {
        if (options.PollBatchSize < 1) throw new RocketClientException("PollBatchSize must be at least 1");
        _client = client;
        _options = options;
        _instance = instance;
    }

    /// <summary>
    /// This consumer's id in its group: the client id plus the consumer's number, so that two consumers of one group
    /// in one process split the queues instead of both taking all of them (a classic RocketMQ pitfall).
    /// </summary>
    public string MemberId => $"{_client.ClientId}-c{_instance}";

    /// <summary>The consumer group.</summary>
    public string Group => _options.Group;

    /// <summary>Subscribes to <paramref name="topic"/>, filtered by tag ("*", "TagA" or "TagA || TagB"). Before start only.</summary>
    public PullConsumer Subscribe(string topic, string tagExpression = "*")
    {
        Producing.MessageValidator.ValidateTopic(topic);
        if (_actor is not null) throw new RocketClientException($"consumer of group '{Group}' is already started");
        _subscriptions[topic] = new TagFilter(tagExpression);
        return this;
    }

    /// <summary>Joins the group and starts pulling in the background.</summary>
    public async Task StartAsync()
    {
        if (_actor is not null) throw new RocketClientException($"consumer of group '{Group}' is already started");
        if (_subscriptions.Count == 0) throw new RocketClientException($"consumer of group '{Group}' has no subscription; call Subscribe first");
        var config = new ConsumerConfig(ConsumerKind.Pull, _options.Group, MessageModel.Clustering, _options.ConsumeFrom,
            _options.ConsumeTimestamp, new Dictionary<string, TagFilter>(_subscriptions), MemberId, _client.Settings)
        {
            PollBatchSize = _options.PollBatchSize,
            AutoCommit = _options.AutoCommit,
        };
        var client = _client;
        _actor = _client.System.ActorOf(Props.Create(() => new ConsumerActor(client, config)), $"pull-{_instance}-{++_starts}");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _actor.Tell(new StartConsumer(started));
        try { await started.Task.ConfigureAwait(false); }
        catch
        {
            _actor = null; // the consumer actor stopped itself; a later StartAsync may try again
            throw;
        }
        _client.Started(this, StopAsync);
    }

    /// <summary>Buffered messages (up to PollBatchSize), waiting up to <paramref name="timeout"/> for some; empty when none came.</summary>
    public Task<IReadOnlyList<ReceivedMessage>> PollAsync(TimeSpan timeout)
    {
        var actor = _actor ?? throw new RocketClientException($"consumer of group '{Group}' is not started");
        var reply = new TaskCompletionSource<IReadOnlyList<ReceivedMessage>>(TaskCreationOptions.RunContinuationsAsynchronously);
        actor.Tell(new PollMessages(timeout, reply));
        return reply.Task;
    }

    /// <summary>Commits the offsets of every message polled so far.</summary>
    public Task CommitAsync()
    {
        var actor = _actor ?? throw new RocketClientException($"consumer of group '{Group}' is not started");
        var reply = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        actor.Tell(new CommitPolled(reply));
        return reply.Task;
    }

    /// <summary>Stops pulling, commits (with AutoCommit) and leaves the group.</summary>
    public async Task StopAsync()
    {
        var actor = Interlocked.Exchange(ref _actor, null);
        if (actor is null) return;
        _client.Stopped(this);
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        actor.Tell(new StopConsumer(stopped));
        await stopped.Task.WaitAsync(_client.Settings.SendTimeout).ConfigureAwait(false);
    }

    /// <summary>Same as <see cref="StopAsync"/>.</summary>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
