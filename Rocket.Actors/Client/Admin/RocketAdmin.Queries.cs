using System.Net;
using Akka.Actor;
using Rocket.Client.Producing;
using Rocket.Protocol;

namespace Rocket.Client;

/// <summary>A message found by an admin query, with the broker that stores it and its offset message id there.</summary>
/// <param name="OffsetMessageId">RocketMQ's offset message id on that broker (see <see cref="Rocket.Protocol.OffsetMessageId"/>); null when the broker's host has no address here.</param>
public sealed record QueriedMessage(string BrokerName, string BrokerAddress, string? OffsetMessageId, FoundMessage Message)
{
    public string? UniqueKey => MessageProperties.Get(Message.Properties, MessageProperties.UniqueKey);
}

/// <summary>How <see cref="RocketAdmin.GetMessageByIdAsync"/> understood the id it found messages by.</summary>
public enum MessageIdKind { OffsetMessageId, UniqueKey }

/// <summary>The messages an id names: one for an offset message id; the original and its retry or dead-letter copies for a unique key.</summary>
public sealed record MessageIdLookup(MessageIdKind Kind, IReadOnlyList<QueriedMessage> Messages);

// Message queries, group view and broker figures (RocketMQ's mqadmin queryMsgByKey, queryMsgById, consumerConnection +
// consumerProgress, clusterList). Brokers answer from their store, groups and counters: Broker/Admin.
public sealed partial class RocketAdmin
{
    /// <summary>Most messages one broker returns for a key (RocketMQ's maxMsgsNumBatch default).</summary>
    public const int DefaultMaxMessages = 64;

    /// <summary>
    /// Messages of <paramref name="topic"/> whose KEYS (any space-separated key) or UNIQ_KEY equals <paramref name="key"/>,
    /// stored within [begin, end] (default: all time), from every live broker that has the topic, at most
    /// <paramref name="maxNum"/> per broker (the broker caps it at its max-msgs-num-batch), newest first. Empty when none.
    /// </summary>
    /// <exception cref="RocketClientException">Bad input; no live broker has the topic (<see cref="RocketErrorCode.TopicNotFound"/>); a broker refused or did not answer.</exception>
    public async Task<IReadOnlyList<QueriedMessage>> QueryMessagesByKeyAsync(string topic, string key, DateTimeOffset? begin = null,
        DateTimeOffset? end = null, int maxNum = DefaultMaxMessages)
    {
        if (ResourceNames.CheckTopic(topic) is { } topicError) throw new RocketClientException(topicError);
        if (string.IsNullOrWhiteSpace(key)) throw new RocketClientException("the key to query is empty");
        if (key.Contains(' ')) throw new RocketClientException($"a key has no spaces (KEYS are space-separated), got '{key}'");
        if (maxNum < 1) throw new RocketClientException($"the maximum number of messages must be at least 1, not {maxNum}");
        long from = begin?.ToUnixTimeMilliseconds() ?? 0, to = end?.ToUnixTimeMilliseconds() ?? long.MaxValue;
        if (from > to) throw new RocketClientException($"the time range begins ({begin:O}) after it ends ({end:O})");
        var view = await GetClusterViewAsync().ConfigureAwait(false);
        var holders = view.Brokers.Where(b => b.Topics.Any(t => t.Name == topic)).ToArray();
        if (holders.Length == 0) throw new RocketClientException($"topic '{topic}' does not exist on any live broker", RocketErrorCode.TopicNotFound);
        var found = await AskBrokersAsync(holders, new QueryMessagesByKey(topic, key, maxNum, from, to)).ConfigureAwait(false);
        return found.OrderByDescending(m => m.Message.StoreTimestamp).ThenBy(m => m.BrokerName, StringComparer.Ordinal).ToArray();
    }

    /// <summary>
    /// The message(s) an id names. An id that decodes as an offset message id of a live broker is read at that offset
    /// there; otherwise (or when nothing is stored there) it is looked up as a unique key (UNIQ_KEY, the id a send
    /// returns) on every live broker, in <paramref name="topic"/> or in every topic. Empty messages when nothing matches.
    /// </summary>
    /// <exception cref="RocketClientException">Bad input; a broker refused or did not answer.</exception>
    public async Task<MessageIdLookup> GetMessageByIdAsync(string id, string? topic = null)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Any(char.IsWhiteSpace)) throw new RocketClientException($"'{id}' is not a message id (it is empty or holds spaces)");
        if (topic is not null && ResourceNames.CheckTopic(topic) is { } topicError) throw new RocketClientException(topicError);
        var view = await GetClusterViewAsync().ConfigureAwait(false);
        if (OffsetMessageId.TryDecode(id, out var endPoint, out long offset, out _))
        {
            var stores = view.Brokers.Where(b => Resolves(b.MemberAddress, endPoint)).ToArray();
            if (stores.Length > 0)
            {
                var atOffset = (await AskBrokersAsync(stores, new GetMessageByOffset(offset)).ConfigureAwait(false))
                    .Where(m => topic is null || m.Message.Topic == topic).ToArray();
                if (atOffset.Length > 0) return new MessageIdLookup(MessageIdKind.OffsetMessageId, atOffset);
            }
        }
        if (view.Brokers.Length == 0) throw new RocketClientException("no live broker in the cluster to look the message up on");
        var byKey = await AskBrokersAsync(view.Brokers, new GetMessageByUniqueKey(id, topic)).ConfigureAwait(false);
        return new MessageIdLookup(MessageIdKind.UniqueKey,
            byKey.OrderBy(m => m.Message.StoreTimestamp).ThenBy(m => m.BrokerName, StringComparer.Ordinal).ToArray());
    }

    /// <summary>A group's members and per-queue state, from every live master (one entry per broker).</summary>
    /// <exception cref="RocketClientException">Bad group name; no live master; a broker did not answer.</exception>
    public async Task<IReadOnlyList<GroupDetail>> GetGroupDetailAsync(string group)
    {
        if (ResourceNames.CheckGroup(group) is { } groupError) throw new RocketClientException(groupError);
        var view = await GetClusterViewAsync().ConfigureAwait(false);
        var masters = BrokerGroupRoles.Masters(view.Brokers);
        if (masters.Length == 0) throw new RocketClientException("no live master broker in the cluster");
        return await Task.WhenAll(masters.Select(b => AskBrokerAsync<GroupDetail>(b, new QueryGroupDetail(group)))).ConfigureAwait(false);
    }

    /// <summary>
    /// The failover coordinator's view (through <c>/user/failover-proxy</c> on the first seed that answers): whether
    /// failover is enabled, whether its decisions are loaded, and per broker group the decided epoch and master and
    /// what it is doing about the group, in words.
    /// </summary>
    /// <exception cref="RocketClientException">No seed's coordinator answered (e.g. it is still starting).</exception>
    public Task<FailoverState> GetFailoverStateAsync() =>
        AskAnySeedAsync<FailoverState>(GetFailoverState.Instance, "the failover coordinator's state", seed => seed.FailoverProxyPath);

    /// <summary>Role, store disk use, commit-log offsets and message rates of every live broker.</summary>
    /// <exception cref="RocketClientException">A broker did not answer or could not measure its store.</exception>
    public async Task<IReadOnlyList<BrokerStats>> GetBrokerStatsAsync()
    {
        var view = await GetClusterViewAsync().ConfigureAwait(false);
        var stats = await Task.WhenAll(view.Brokers.Select(b => AskBrokerAsync<BrokerStats>(b, QueryBrokerStats.Instance))).ConfigureAwait(false);
        if (stats.FirstOrDefault(s => s.Error is not null) is { } failed) throw new RocketClientException(failed.Error!);
        return stats;
    }

    private async Task<QueriedMessage[]> AskBrokersAsync(IEnumerable<BrokerRecord> brokers, object query)
    {
        var answers = await Task.WhenAll(brokers.Select(async b => (Broker: b, Found: await AskBrokerAsync<MessagesFound>(b, query).ConfigureAwait(false))))
            .ConfigureAwait(false);
        if (answers.FirstOrDefault(a => a.Found.Error is not null) is { Found: not null } refused)
            throw new RocketClientException(refused.Found.Error!);
        return answers.SelectMany(a => a.Found.Messages.Select(m =>
            new QueriedMessage(a.Broker.BrokerName, a.Broker.MemberAddress, OffsetMessageIds.For(a.Broker.BrokerPath, m.PhysicalOffset), m))).ToArray();
    }

    private async Task<T> AskBrokerAsync<T>(BrokerRecord broker, object query)
    {
        try
        {
            return await _client.System.ActorSelection(broker.BrokerPath).Ask<T>(query, Timeout).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            throw new RocketClientException($"broker {broker.BrokerName} ({broker.MemberAddress}) did not answer within {Timeout.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is not RocketClientException)
        {
            throw new RocketClientException($"broker {broker.BrokerName} ({broker.MemberAddress}) failed the request: {e.Message}", e);
        }
    }

    /// <summary>Whether a broker's cluster address is the end point an offset message id names.</summary>
    private static bool Resolves(string memberAddress, IPEndPoint endPoint)
    {
        var (addresses, port) = OffsetMessageId.ResolveActorAddress(memberAddress);
        return port == endPoint.Port && addresses.Any(a => (a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).Equals(endPoint.Address));
    }
}
