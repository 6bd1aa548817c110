using Akka.Actor;
using Rocket.Client.Consuming;
using Rocket.Protocol;
using Rocket.Protocol.Filtering;

namespace Rocket.Client;

/// <summary>
/// What push and pull consumers share: group membership identity, subscriptions, and starting / stopping the
/// consumer actor that pulls, rebalances and commits offsets.
/// </summary>
public abstract class Consumer : IAsyncDisposable
{
    private readonly int _instance;
    private int _starts;
    private readonly Dictionary<string, SubscriptionFilter> _subscriptions = new(StringComparer.Ordinal);
    private IActorRef? _actor;

    private protected Consumer(RocketClient client, string group, int instance)
    {
        Client = client;
        Group = group;
        _instance = instance;
    }

    private protected RocketClient Client { get; }

    /// <summary>The consumer group.</summary>
    public string Group { get; }

    /// <summary>
    /// This consumer's id in its group: the client id plus the consumer's number, so that two consumers of one group
    /// in one process split the queues instead of both taking all of them (a classic RocketMQ pitfall).
    /// </summary>
    public string MemberId => $"{Client.ClientId}-c{_instance}";

    /// <summary>
    /// Records a subscription to <paramref name="topic"/>, its filter compiled here so that an invalid one is refused at
    /// once (a SQL92 error names the column and the reason, in the words the broker would use). Before start only.
    /// </summary>
    private protected void AddSubscription(string topic, MessageSelector selector)
    {
        Producing.MessageValidator.ValidateTopic(topic);
        if (SystemTopics.IsInternal(topic)) throw new RocketClientException(InternalTopicRefusals.Pull(topic));
        ArgumentNullException.ThrowIfNull(selector);
        ThrowIfStarted();
        if (selector.Type == ExpressionType.Tag && TagExpression.Sql92Hint(selector.Expression) is { } why)
            throw new RocketClientException(
                $"tag expression '{selector.Expression}' (group '{Group}', topic '{topic}') looks like SQL92 ({why}); a tag expression " +
                "is '*' or tags joined by '||', and a SQL92 condition is subscribed with MessageSelector.BySql");
        var type = selector.Type == ExpressionType.Sql92 ? FilterType.Sql92 : FilterType.Tag;
        try { _subscriptions[topic] = SubscriptionFilter.Compile(type, selector.Expression); }
        catch (FilterSyntaxException e) { throw new RocketClientException(e.Message, e); }
        catch (ArgumentException e) { throw new RocketClientException(e.Message); }
    }

    private protected bool HasSubscriptions => _subscriptions.Count > 0;

    private protected Dictionary<string, SubscriptionFilter> Subscriptions()
    {
        if (_subscriptions.Count == 0) throw new RocketClientException($"consumer of group '{Group}' has no subscription; call Subscribe first");
        return new Dictionary<string, SubscriptionFilter>(_subscriptions);
    }

    /// <summary>Starts the consumer actor and waits until its first rebalance assigned the queues.</summary>
    private protected async Task StartActorAsync(ConsumerConfig config, string kind)
    {
        ThrowIfStarted();
        var client = Client;
        config = config with { Senders = client.Senders }; // pulls share each broker's data channel with the producers
        _actor = client.System.ActorOf(Props.Create(() => new ConsumerActor(client, config)), $"{kind}-{_instance}-{++_starts}");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _actor.Tell(new StartConsumer(started));
        try { await started.Task.ConfigureAwait(false); }
        catch
        {
            _actor = null; // the consumer actor stopped itself; a later StartAsync may try again
            throw;
        }
        client.Started(this, StopAsync);
    }

    /// <summary>The running consumer actor.</summary>
    private protected IActorRef Actor => _actor ?? throw new RocketClientException($"consumer of group '{Group}' is not started");

    private protected void ThrowIfStarted()
    {
        if (_actor is not null) throw new RocketClientException($"consumer of group '{Group}' is already started");
    }

    /// <summary>Stops pulling, commits the consumed offsets and leaves the group.</summary>
    public async Task StopAsync()
    {
        var actor = Interlocked.Exchange(ref _actor, null);
        if (actor is null) return;
        Client.Stopped(this);
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        actor.Tell(new StopConsumer(stopped));
        await stopped.Task.WaitAsync(Client.Settings.SendTimeout).ConfigureAwait(false);
    }

    /// <summary>Same as <see cref="StopAsync"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}
