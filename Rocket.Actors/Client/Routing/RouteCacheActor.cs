using Akka.Actor;
using Rocket.Protocol;

namespace Rocket.Client.Routing;

/// <summary>
/// Caches topic routes for every producer and consumer of one client. A miss asks the seeds (failing over
/// between them); cached topics are refreshed every poll-name-server-interval and when a send fails, and every
/// poll-name-server-interval-without-master while one of their broker groups has no live master (so producers find a
/// promoted slave within about a second). Concurrent requests for one topic share one look-up.
/// </summary>
internal sealed class RouteCacheActor : ReceiveActor, IWithTimers
{
    private sealed class RefreshAll
    {
        public static readonly RefreshAll Instance = new();
    }

    private sealed class RefreshWithoutMaster
    {
        public static readonly RefreshWithoutMaster Instance = new();
    }

    private readonly SeedAddress[] _seeds;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _refreshInterval;
    private readonly Dictionary<string, TopicRouteAnswer> _routes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<TaskCompletionSource<TopicRouteAnswer>>> _waiting = new(StringComparer.Ordinal);
    private readonly HashSet<string> _fetching = new(StringComparer.Ordinal);
    /// <summary>Cached topics with a broker group that has no live master.</summary>
    private readonly HashSet<string> _withoutMaster = new(StringComparer.Ordinal);
    private readonly TimeSpan _refreshWithoutMasterInterval;
    private int _preferredSeed;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TopicQueues> _published;

    /// <param name="published">
    /// Read model the actor publishes every cached route into, as queues, so producers pick a queue without a
    /// message round trip per send. Only this actor writes it.
    /// </param>
    public RouteCacheActor(ClientSettings settings, System.Collections.Concurrent.ConcurrentDictionary<string, TopicQueues> published)
    {
        _published = published;
        _seeds = settings.Seeds.Select(SeedAddress.Parse).ToArray();
        _timeout = settings.SendTimeout;
        _refreshInterval = settings.PollNameServerInterval;
        _refreshWithoutMasterInterval = settings.PollNameServerIntervalWithoutMaster;

        Receive<GetRoute>(get =>
        {
            if (!get.Refresh && _routes.TryGetValue(get.Topic, out var cached))
            {
                get.Reply.TrySetResult(cached);
                return;
            }
            if (!_waiting.TryGetValue(get.Topic, out var list)) _waiting[get.Topic] = list = [];
            list.Add(get.Reply);
            Fetch(get.Topic);
        });
        Receive<RefreshRoute>(r => Fetch(r.Topic));
        Receive<RefreshAll>(_ =>
        {
            foreach (var topic in _routes.Keys) Fetch(topic);
        });
        Receive<RefreshWithoutMaster>(_ =>
        {
            foreach (var topic in _withoutMaster) Fetch(topic);
        });
        Receive<RouteFetched>(f =>
        {
            _fetching.Remove(f.Topic);
            _preferredSeed = f.SeedIndex;
            // A topic nobody can serve is not cached: the next send asks again, so a topic created meanwhile is found.
            if (f.Answer.Route is not null || f.Answer.AutoCreateBrokers.Length > 0)
            {
                _routes[f.Topic] = f.Answer;
                var queues = TopicQueues.From(f.Answer);
                _published[f.Topic] = queues;
                if (queues.WithoutMaster.Any()) _withoutMaster.Add(f.Topic);
                else _withoutMaster.Remove(f.Topic);
            }
            else
            {
                _routes.Remove(f.Topic);
                _published.TryRemove(f.Topic, out _);
                _withoutMaster.Remove(f.Topic);
            }
            Complete(f.Topic, tcs => tcs.TrySetResult(f.Answer));
        });
        Receive<RouteFetchFailed>(f =>
        {
            _fetching.Remove(f.Topic);
            Complete(f.Topic, tcs => tcs.TrySetException(f.Error));
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer("refresh", RefreshAll.Instance, _refreshInterval);
        Timers.StartPeriodicTimer("refresh-without-master", RefreshWithoutMaster.Instance, _refreshWithoutMasterInterval);
    }

    private void Fetch(string topic)
    {
        if (!_fetching.Add(topic)) return;
        var self = Self;
        SeedLookup.AskRouteAsync(Context.System, _seeds, _preferredSeed, topic, _timeout).PipeTo(self,
            success: r => new RouteFetched(topic, r.Answer, r.SeedIndex),
            failure: e => new RouteFetchFailed(topic, e));
    }

    private void Complete(string topic, Action<TaskCompletionSource<TopicRouteAnswer>> complete)
    {
        if (!_waiting.Remove(topic, out var list)) return;
        foreach (var tcs in list) complete(tcs);
    }
}
