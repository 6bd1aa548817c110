using Akka.Actor;
using Rocket.Protocol;

namespace Rocket.Client;

/// <summary>One queue's offset before and after a reset; <see cref="OldOffset"/> -1: the group had none stored.</summary>
public sealed record QueueOffsetReset(string BrokerName, int QueueId, long OldOffset, long NewOffset);

/// <summary>The outcome of <see cref="RocketAdmin.ResetOffsetByTimeAsync"/>.</summary>
/// <param name="NotifiedClients">Live consumers the new offsets were pushed to (empty: the group is offline).</param>
/// <param name="Errors">Brokers that could not reset (broker name → why); empty when every broker did.</param>
public sealed record OffsetResetResult(string Group, string Topic, OffsetResetTarget Target, IReadOnlyList<QueueOffsetReset> Queues,
    IReadOnlyList<string> NotifiedClients, IReadOnlyDictionary<string, string> Errors);

public sealed partial class RocketAdmin
{
    /// <summary>
    /// Sets <paramref name="group"/>'s offset of every queue of <paramref name="topic"/> on every live master of the topic
    /// (RocketMQ's resetOffsetByTime): to the first message stored at or after a time (binary search on store time; the
    /// queue's max offset when all are older), to the oldest, or to the newest. Live consumers of the group get the new
    /// offsets pushed and continue from them; an offline group finds them when it starts.
    /// </summary>
    /// <exception cref="RocketClientException">The topic has no live master (<see cref="RocketErrorCode.TopicNotFound"/>), or no
    /// broker of it knows the group (<see cref="RocketErrorCode.GroupNotFound"/>).</exception>
    public async Task<OffsetResetResult> ResetOffsetByTimeAsync(string group, string topic, OffsetResetTarget target)
    {
        if (ResourceNames.CheckGroup(group) is { } badGroup) throw new RocketClientException(badGroup);
        Producing.MessageValidator.ValidateTopic(topic);
        ArgumentNullException.ThrowIfNull(target);
        var route = await GetRouteAsync(topic).ConfigureAwait(false);
        var masters = route is null ? [] : BrokerGroupRoles.Masters(route.Brokers).Where(b => route.Queues.Any(q => q.BrokerName == b.BrokerName)).ToArray();
        if (masters.Length == 0)
            throw new RocketClientException($"topic '{topic}' does not exist on any live master", RocketErrorCode.TopicNotFound);

        var answers = (await Task.WhenAll(masters.Select(b => AskResetAsync(b.BrokerName, b.Path, new ResetGroupOffsets(group, topic, target))))
            .ConfigureAwait(false)).ToList();
        var unknownHere = answers.Where(a => a.GroupUnknown).ToArray();
        if (unknownHere.Length == answers.Count)
            throw new RocketClientException($"group '{group}' is unknown on every broker of topic '{topic}' " +
                                            $"({string.Join(", ", answers.Select(a => a.BrokerName))}): no stored offsets, no live consumer",
                RocketErrorCode.GroupNotFound);
        // Known on some brokers only (it consumed only their queues so far): its queues on the others get offsets too.
        foreach (var unknown in unknownHere)
        {
            answers.Remove(unknown);
            var path = masters.First(b => b.BrokerName == unknown.BrokerName).Path;
            answers.Add(await AskResetAsync(unknown.BrokerName, path, new ResetGroupOffsets(group, topic, target, KnownElsewhere: true)).ConfigureAwait(false));
        }
        var queues = answers.Where(a => a.Error is null)
            .SelectMany(a => a.Queues.Select(q => new QueueOffsetReset(a.BrokerName, q.QueueId, q.OldOffset, q.NewOffset)))
            .OrderBy(q => q.BrokerName, StringComparer.Ordinal).ThenBy(q => q.QueueId).ToArray();
        var notified = answers.SelectMany(a => a.NotifiedClients).Distinct().Order(StringComparer.Ordinal).ToArray();
        var errors = answers.Where(a => a.Error is not null).ToDictionary(a => a.BrokerName, a => a.Error!, StringComparer.Ordinal);
        return new OffsetResetResult(group, topic, target, queues, notified, errors);
    }

    private async Task<GroupOffsetsReset> AskResetAsync(string brokerName, string path, ResetGroupOffsets request)
    {
        // The broker answers once the new offsets are durable: allow it two send timeouts.
        try { return await _client.System.ActorSelection(path).Ask<GroupOffsetsReset>(request, Timeout * 2).ConfigureAwait(false); }
        catch (AskTimeoutException)
        {
            return new GroupOffsetsReset(brokerName, request.Group, request.Topic, [], [],
                $"broker did not answer within {(Timeout * 2).TotalSeconds:0.#} s");
        }
    }
}
