using Akka.Actor;
using Rocket.Client.Routing;
using Rocket.Protocol;

namespace Rocket.Client;

/// <summary>A broker's answer to an admin request.</summary>
public sealed record BrokerAdminResult(string BrokerName, bool Ok, string? Error);

/// <summary>
/// Admin operations over the client's connection (RocketMQ's mqadmin): cluster view, topic create / update / delete
/// / list / route, consumer progress. Seeds answer the cluster questions; brokers answer the rest.
/// </summary>
public sealed partial class RocketAdmin
{
    private readonly RocketClient _client;

    internal RocketAdmin(RocketClient client) => _client = client;

    private TimeSpan Timeout => _client.Settings.SendTimeout;

    /// <summary>Members with roles and reachability, and the live brokers with their topics.</summary>
    public Task<ClusterView> GetClusterViewAsync() => AskAnySeedAsync<ClusterView>(GetClusterView.Instance, "the cluster view");

    /// <summary>The route as the seeds know it now (never the client's cached copy): admin questions want fresh answers.</summary>
    public async Task<TopicRoute?> GetRouteAsync(string topic)
    {
        Producing.MessageValidator.ValidateTopic(topic);
        return (await _client.GetRouteAnswerAsync(topic, refresh: true).ConfigureAwait(false)).Route;
    }

    /// <summary>
    /// Waits until the seeds route <paramref name="topic"/> to at least one master with readable and writable queues, so
    /// that the next send and the next consumer find it (a topic just created reaches the seeds by gossip, within
    /// seconds). Also refreshes this client's cached route. Returns the route.
    /// </summary>
    /// <exception cref="RocketClientException">The topic is not routable within <paramref name="timeout"/>, or no seed answered within it.</exception>
    public Task<TopicRoute> WaitForTopicAsync(string topic, TimeSpan timeout)
    {
        Producing.MessageValidator.ValidateTopic(topic);
        return WaitForRouteAsync(topic, timeout, route => TopicRouting.Usable(route) ? null : "no master broker has readable and writable queues of it");
    }

    /// <summary>
    /// Waits until each of <paramref name="brokers"/> routes the topic exactly as <paramref name="config"/> says (queue
    /// counts and permission): after a create or an update on those brokers. Returns the route.
    /// </summary>
    /// <exception cref="RocketClientException">Not so within <paramref name="timeout"/>, or no seed answered within it.</exception>
    public Task<TopicRoute> WaitForTopicAsync(TopicConfig config, IReadOnlyCollection<string> brokers, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(brokers);
        Producing.MessageValidator.ValidateTopic(config.Name);
        if (brokers.Count == 0) throw new RocketClientException($"no broker named to wait for topic '{config.Name}' on");
        return WaitForRouteAsync(config.Name, timeout, route =>
        {
            var missing = brokers.Where(name => !TopicRouting.RoutesAs(route, name, config)).ToArray();
            return missing.Length == 0 ? null : $"not yet routed as {config} on {string.Join(", ", missing)}";
        });
    }

    /// <param name="problem">What is still missing in a route (null: done); a missing route is always a problem.</param>
    private async Task<TopicRoute> WaitForRouteAsync(string topic, TimeSpan timeout, Func<TopicRoute, string?> problem)
    {
        if (timeout <= TimeSpan.Zero) throw new RocketClientException($"the timeout to wait for topic '{topic}' must be positive, not {timeout}");
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await WithinAsync(() => _client.GetRouteAnswerAsync(topic, refresh: true), deadline).ConfigureAwait(false) is not { } answer)
                continue;
            var route = answer.Route;
            var missing = route is null ? "the seeds know no broker that has it" : problem(route);
            if (missing is null) return route!;
            if (DateTime.UtcNow >= deadline)
                throw new RocketClientException($"topic '{topic}' is not routable after {timeout.TotalSeconds:0.#} s: {missing}",
                    RocketErrorCode.TopicNotRoutable);
            await Task.Delay(RoutePollInterval).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits until the seeds' view shows none of <paramref name="brokers"/> publishing <paramref name="topic"/>: after a
    /// delete on those brokers, so that the next look-up no longer routes to them.
    /// </summary>
    /// <exception cref="RocketClientException">Still published after <paramref name="timeout"/> (<see cref="RocketErrorCode.TopicStillRouted"/>), or no seed answered within it.</exception>
    public async Task WaitForTopicGoneAsync(string topic, IReadOnlyCollection<string> brokers, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(brokers);
        Producing.MessageValidator.ValidateTopic(topic);
        if (timeout <= TimeSpan.Zero) throw new RocketClientException($"the timeout to wait for topic '{topic}' to go must be positive, not {timeout}");
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await WithinAsync(GetClusterViewAsync, deadline).ConfigureAwait(false) is not { } view) continue;
            var holders = view.Brokers.Where(b => brokers.Contains(b.BrokerName) && b.Topics.Any(t => t.Name == topic))
                .Select(b => b.BrokerName).Distinct().Order(StringComparer.Ordinal).ToArray();
            if (holders.Length == 0) return;
            if (DateTime.UtcNow >= deadline)
                throw new RocketClientException($"topic '{topic}' is still published by {string.Join(", ", holders)} after {timeout.TotalSeconds:0.#} s",
                    RocketErrorCode.TopicStillRouted);
            await Task.Delay(RoutePollInterval).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits until the seeds' view lists at least one live master broker (a broker that just started reaches the seeds'
    /// view by gossip a moment after it is a member). Returns the live masters.
    /// </summary>
    /// <exception cref="RocketClientException">None within <paramref name="timeout"/>, or no seed answered within it.</exception>
    public async Task<IReadOnlyList<BrokerRecord>> WaitForMasterAsync(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero) throw new RocketClientException($"the timeout to wait for a master broker must be positive, not {timeout}");
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await WithinAsync(GetClusterViewAsync, deadline).ConfigureAwait(false) is not { } view) continue;
            var masters = BrokerGroupRoles.Masters(view.Brokers);
            if (masters.Length > 0) return masters;
            if (DateTime.UtcNow >= deadline)
                throw new RocketClientException($"no live master broker appeared in the cluster within {timeout.TotalSeconds:0.#} s");
            await Task.Delay(RoutePollInterval).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A seed's answer for a wait: null (after a pause) when no seed answered before <paramref name="deadline"/>, so a
    /// wait rides out a seed that is slow or restarting; past the deadline the "no seed reachable" error goes to the caller.
    /// </summary>
    private static async Task<T?> WithinAsync<T>(Func<Task<T>> ask, DateTime deadline) where T : class
    {
        try { return await ask().ConfigureAwait(false); }
        catch (RocketClientException) when (DateTime.UtcNow < deadline)
        {
            await Task.Delay(RoutePollInterval).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>How often the waits above ask the seeds again; gossip takes about a second.</summary>
    private static readonly TimeSpan RoutePollInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Creates or updates <paramref name="topic"/> on every live master, or only on <paramref name="brokerName"/>.
    /// </summary>
    public async Task<IReadOnlyList<BrokerAdminResult>> CreateOrUpdateTopicAsync(TopicConfig topic, string? brokerName = null)
    {
        if (ResourceNames.CheckTopic(topic.Name) is { } error) throw new RocketClientException(error);
        return await OnMastersAsync(new CreateOrUpdateTopic(topic), brokerName).ConfigureAwait(false);
    }

    /// <summary>Deletes <paramref name="topic"/> from every live master that has it, or only from <paramref name="brokerName"/>.</summary>
    public async Task<IReadOnlyList<BrokerAdminResult>> DeleteTopicAsync(string topic, string? brokerName = null)
    {
        var view = await GetClusterViewAsync().ConfigureAwait(false);
        var holders = view.Brokers.Where(b => b.Topics.Any(t => t.Name == topic)).Select(b => b.BrokerName).ToHashSet();
        if (holders.Count == 0) throw new RocketClientException($"topic '{topic}' does not exist on any live broker", RocketErrorCode.TopicNotFound);
        return await OnMastersAsync(new DeleteTopic(topic), brokerName, holders).ConfigureAwait(false);
    }

    /// <summary>Every topic on every live master, by broker.</summary>
    public async Task<IReadOnlyList<(string BrokerName, TopicConfig Topic)>> ListTopicsAsync()
    {
        var view = await GetClusterViewAsync().ConfigureAwait(false);
        return BrokerGroupRoles.Masters(view.Brokers)
            .SelectMany(b => b.Topics.Select(t => (b.BrokerName, t)))
            .OrderBy(x => x.t.Name, StringComparer.Ordinal).ThenBy(x => x.BrokerName, StringComparer.Ordinal).ToArray();
    }

    /// <summary>Per queue: broker max offset, the group's committed offset, lag; from every live master.</summary>
    public async Task<IReadOnlyList<GroupProgress>> GetProgressAsync(string group)
    {
        var view = await GetClusterViewAsync().ConfigureAwait(false);
        var asks = BrokerGroupRoles.Masters(view.Brokers)
            .Select(b => _client.System.ActorSelection(b.BrokerPath).Ask<GroupProgress>(new QueryGroupProgress(group), Timeout));
        return await Task.WhenAll(asks).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<BrokerAdminResult>> OnMastersAsync(object request, string? brokerName, ISet<string>? only = null)
    {
        var view = await GetClusterViewAsync().ConfigureAwait(false);
        var masters = BrokerGroupRoles.Masters(view.Brokers)
            .Where(b => (brokerName is null || b.BrokerName == brokerName) && (only is null || only.Contains(b.BrokerName))).ToArray();
        if (masters.Length == 0)
            throw new RocketClientException(brokerName is null ? "no live master broker in the cluster" : $"no live master broker named '{brokerName}'");
        var results = await Task.WhenAll(masters.Select(async b =>
        {
            try
            {
                var r = await _client.System.ActorSelection(b.BrokerPath).Ask<AdminResult>(request, Timeout).ConfigureAwait(false);
                return new BrokerAdminResult(b.BrokerName, r.Ok, r.Error);
            }
            catch (AskTimeoutException)
            {
                return new BrokerAdminResult(b.BrokerName, false, $"broker did not answer within {Timeout.TotalSeconds:0.#} s");
            }
        })).ConfigureAwait(false);
        return results;
    }

    private Task<T> AskAnySeedAsync<T>(object request, string what) => AskAnySeedAsync<T>(request, what, seed => seed.NameServerPath);

    /// <summary>Asks the actor at <paramref name="path"/> on each seed in turn until one answers.</summary>
    private async Task<T> AskAnySeedAsync<T>(object request, string what, Func<SeedAddress, string> path)
    {
        var seeds = _client.Settings.Seeds.Select(SeedAddress.Parse).ToArray();
        foreach (var seed in seeds)
        {
            try
            {
                return await _client.System.ActorSelection(path(seed)).Ask<T>(request, Timeout).ConfigureAwait(false);
            }
            catch (AskTimeoutException) { }
        }
        throw new RocketClientException($"no seed reachable at {string.Join(", ", seeds)} (asked for {what}); check rocket.client.seeds / --seeds");
    }
}
