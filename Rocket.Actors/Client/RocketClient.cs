using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Rocket.Client.Consuming;
using Rocket.Client.Producing;
using Rocket.Client.Routing;
using Rocket.Protocol;
using Rocket.Settings;

namespace Rocket.Client;

/// <summary>
/// Entry point of the client proxy. Owns a small actor system ("rocket-client", remote provider, not a cluster
/// member) holding the route cache, the per-broker senders and the consumers. Create producers and consumers
/// from it; dispose it to stop them all.
/// </summary>
public sealed class RocketClient : IAsyncDisposable
{
    private static int _instances;
    private int _consumers;
    // Started consumers, so that disposing the client commits their offsets and leaves their groups first.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<object, Func<Task>> _running = new();

    private readonly Microsoft.Extensions.Logging.ILoggerFactory? _ownedLoggerFactory;
    private int _disposed;

    private RocketClient(ActorSystem system, ClientSettings settings, Microsoft.Extensions.Logging.ILoggerFactory? ownedLoggerFactory)
    {
        _ownedLoggerFactory = ownedLoggerFactory;
        System = system;
        Settings = settings;
        var address = ((ExtendedActorSystem)system).Provider.DefaultAddress;
        ClientId = $"{address.Host}@{Environment.ProcessId}#{Interlocked.Increment(ref _instances)}";
        RouteCache = system.ActorOf(Props.Create(() => new RouteCacheActor(settings, PublishedQueues)), "routes");
        Senders = new BrokerSenders(system, settings);
    }

    internal ActorSystem System { get; }
    internal OneWaySends OneWaySends { get; } = new();
    internal ClientSettings Settings { get; }
    internal IActorRef RouteCache { get; }

    /// <summary>Cached routes as queues, published by the route cache actor; read lock-free on every send.</summary>
    internal System.Collections.Concurrent.ConcurrentDictionary<string, TopicQueues> PublishedQueues { get; } = new(StringComparer.Ordinal);
    internal BrokerSenders Senders { get; }

    /// <summary>This client's id in consumer groups: host@pid#instance.</summary>
    public string ClientId { get; }

    /// <summary>
    /// Starts a client; it logs to <see cref="ClientSettings.LoggerFactory"/>, or to stderr without one.
    /// <paramref name="extra"/> overrides the client's actor system configuration, for example
    /// <c>akka.remote.dot-netty.tcp.hostname</c> when brokers must reach this client on another address.
    /// </summary>
    public static RocketClient Create(ClientSettings settings, Config? extra = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Seeds.Length == 0) throw new RocketClientException("no seeds configured (rocket.client.seeds)");
        foreach (var seed in settings.Seeds) SeedAddress.Parse(seed);
        RefuseRocketSettings(extra);
        var config = (extra ?? Config.Empty).WithFallback(ClientSystemConfig).WithFallback(RocketConfig.Reference);
        var (loggerFactory, owned) = ClientLogging.Choose(settings.LoggerFactory);
        try { return new RocketClient(ActorSystem.Create("rocket-client", ClientLogging.Setup(config, loggerFactory)), settings, owned); }
        catch
        {
            owned?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The client's settings come from <see cref="ClientSettings"/> only: a <c>rocket.*</c> key in the actor system's
    /// configuration would be silently ignored, so it is refused.
    /// </summary>
    private static void RefuseRocketSettings(Config? extra)
    {
        if (extra is null) return;
        var keys = RocketConfig.RocketKeys(extra).ToList();
        if (keys.Count > 0)
            throw new ConfigurationException($"the client's actor system configuration does not read rocket.* settings ({string.Join(", ", keys)}): "
                + "set them in ClientSettings (ClientSettings.FromConfig reads rocket.client.* from HOCON)");
    }

    /// <summary>The client's actor system defaults (Client/client.conf): remote provider on loopback, a free port.</summary>
    private static readonly Config ClientSystemConfig = RocketConfig.Load("Rocket.Client.client.conf");

    /// <summary>A producer; the group name is informational (RocketMQ's producer group).</summary>
    public Producer CreateProducer(string group = "DEFAULT_PRODUCER")
    {
        MessageValidator.ValidateGroup(group);
        return new Producer(this, group);
    }

    /// <summary>
    /// A transaction producer of <paramref name="group"/>: it registers with the brokers at once, so it answers
    /// check-backs of the group's transactions even before it sends.
    /// </summary>
    public TransactionProducer CreateTransactionProducer(string group, ITransactionListener listener)
    {
        MessageValidator.ValidateGroup(group);
        ArgumentNullException.ThrowIfNull(listener);
        return new TransactionProducer(this, group, listener, Interlocked.Increment(ref _transactionProducers));
    }

    private int _transactionProducers;

    /// <summary>A push consumer: subscribe, register a handler, then start it.</summary>
    public PushConsumer CreatePushConsumer(PushConsumerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        MessageValidator.ValidateGroup(options.Group);
        return new PushConsumer(this, options, Interlocked.Increment(ref _consumers));
    }

    /// <summary>A lite pull consumer: subscribe, start, then poll.</summary>
    public PullConsumer CreatePullConsumer(PullConsumerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        MessageValidator.ValidateGroup(options.Group);
        return new PullConsumer(this, options, Interlocked.Increment(ref _consumers));
    }

    /// <summary>Admin operations: cluster view, topics, consumer progress.</summary>
    public RocketAdmin Admin => _admin ??= new RocketAdmin(this);

    private RocketAdmin? _admin;

    /// <summary>The route of <paramref name="topic"/> (fresh from a seed unless cached), or null when no broker has it.</summary>
    /// <exception cref="RocketClientException">No seed answered within the send timeout.</exception>
    public async Task<TopicRoute?> GetRouteAsync(string topic)
    {
        MessageValidator.ValidateTopic(topic);
        return (await GetRouteAnswerAsync(topic, refresh: false).ConfigureAwait(false)).Route;
    }

    internal Task<TopicRouteAnswer> GetRouteAnswerAsync(string topic, bool refresh)
    {
        var reply = new TaskCompletionSource<TopicRouteAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
        RouteCache.Tell(new GetRoute(topic, refresh, reply));
        return reply.Task;
    }

    internal void Started(object consumer, Func<Task> stop) => _running[consumer] = stop;

    internal void Stopped(object consumer) => _running.TryRemove(consumer, out _);

    /// <summary>Stops every consumer (committing offsets, leaving groups), then the client's actor system.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        if (await OneWaySends.DrainAsync(Settings.SendTimeout).ConfigureAwait(false) is var unanswered and > 0)
            System.Log.Warning("closing the client: {0} one-way sends were still unanswered after {1}; they may be lost",
                unanswered, Settings.SendTimeout);
        try { await Task.WhenAll(_running.Values.Select(stop => stop())).ConfigureAwait(false); }
        catch (Exception e) { System.Log.Warning("a consumer did not stop cleanly: {0}", e.Message); }
        if (await Remoting.GracefulRemoteShutdown.CloseAsync(System, Settings.SendTimeout, stopUserActors: true).ConfigureAwait(false) is { } problem)
            System.Log.Warning("closing the client: {0}", problem);
        await System.Terminate().ConfigureAwait(false);
        _ownedLoggerFactory?.Dispose(); // flushes what is still queued for stderr
    }
}
