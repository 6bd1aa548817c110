using Akka.Actor;
using Rocket.Broker.Replication;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Store.Format;

namespace Rocket.Broker.Admin;

/// <summary>
/// Answers the admin's store questions (<c>/user/broker/admin</c>): messages by key, by unique key, by commit-log
/// offset, and the broker's store figures and message rates. Each answer is read on the thread pool (index and log
/// reads touch mapped pages, the disk-use walk lists the store directory) and piped back, so the actor never blocks.
/// </summary>
public sealed class MessageQueryActor : ReceiveActor
{
    public const string Name = "admin";

    private readonly MessageStore _store;
    private readonly BrokerSettings _settings;
    private readonly BrokerRoleState _role;

    /// <param name="role">The broker's run-time role: the stats name it as it is now (after a failover, not as configured).</param>
    public MessageQueryActor(MessageStore store, BrokerSettings settings, BrokerRoleState role)
    {
        _store = store;
        _settings = settings;
        _role = role;
        Receive<QueryMessagesByKey>(q => Answer(() => ByKey(q), ReadFailed));
        Receive<GetMessageByOffset>(q => Answer(() => ByOffset(q), ReadFailed));
        Receive<GetMessageByUniqueKey>(q => Answer(() => ByUniqueKey(q), ReadFailed));
        Receive<QueryBrokerStats>(_ => Answer(Stats, StatsFailed));
    }

    public static Props Props(MessageStore store, BrokerSettings settings, BrokerRoleState role) =>
        Akka.Actor.Props.Create(() => new MessageQueryActor(store, settings, role));

    private void Answer(Func<object> read, Func<string, object> failed) =>
        Task.Run(read).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : failed(t.Exception?.GetBaseException().Message ?? "unknown error"))
            .PipeTo(Sender);

    private object ReadFailed(string error) =>
        new MessagesFound(_settings.BrokerName, [], $"broker {_settings.BrokerName} could not read its store: {error}");

    private object StatsFailed(string error) => new BrokerStats(_settings.BrokerName, _settings.BrokerId, _role.Role.Name(),
        _store.Settings.Directory, 0, 0, 0, 0, 0, 0, 0, $"broker {_settings.BrokerName} could not measure its store: {error}");

    private MessagesFound ByKey(QueryMessagesByKey q)
    {
        if (ResourceNames.CheckTopic(q.Topic) is { } topicError) return Refused(topicError);
        if (string.IsNullOrWhiteSpace(q.Key)) return Refused("the key to look up is empty");
        if (q.MaxNum < 1) return Refused($"the maximum number of messages must be at least 1, not {q.MaxNum}");
        if (q.BeginTimestamp > q.EndTimestamp) return Refused($"the time range begins ({q.BeginTimestamp}) after it ends ({q.EndTimestamp})");
        if (!_store.Settings.MessageIndexEnable) return Refused($"broker {_settings.BrokerName} keeps no key index (rocket.store.message-index-enable = off)");
        var found = _store.QueryMessagesByKey(q.Topic, q.Key, q.MaxNum, q.BeginTimestamp, q.EndTimestamp);
        return new MessagesFound(_settings.BrokerName, found.Select(ToFound).ToArray());
    }

    private MessagesFound ByOffset(GetMessageByOffset q)
    {
        if (q.PhysicalOffset < _store.CommitLog.MinOffset || q.PhysicalOffset >= _store.CommitLog.MaxOffset)
            return new MessagesFound(_settings.BrokerName, []);
        // Only a record that starts exactly there is a message: any other offset reads garbage or fails its check.
        var message = _store.ReadMessage(q.PhysicalOffset);
        return new MessagesFound(_settings.BrokerName, message is null || message.PhysicalOffset != q.PhysicalOffset ? [] : [ToFound(message)]);
    }

    private MessagesFound ByUniqueKey(GetMessageByUniqueKey q)
    {
        if (string.IsNullOrWhiteSpace(q.UniqueKey)) return Refused("the message id to look up is empty");
        if (q.Topic is not null && ResourceNames.CheckTopic(q.Topic) is { } topicError) return Refused(topicError);
        if (!_store.Settings.MessageIndexEnable) return Refused($"broker {_settings.BrokerName} keeps no key index (rocket.store.message-index-enable = off)");
        // The index is keyed by topic#key: without a topic, each topic this store holds is one hash look-up.
        var topics = q.Topic is { } topic ? [topic] : _store.ConsumeQueues.All.Select(c => c.Topic).Distinct(StringComparer.Ordinal);
        var found = topics
            .SelectMany(t => _store.QueryMessagesByKey(t, q.UniqueKey, _store.Settings.MaxMsgsNumBatch, 0, long.MaxValue))
            .Where(m => m.UniqueKey == q.UniqueKey) // the store also matches KEYS; an id is only a UNIQ_KEY
            .OrderBy(m => m.PhysicalOffset).Select(ToFound).ToArray();
        return new MessagesFound(_settings.BrokerName, found);
    }

    private BrokerStats Stats()
    {
        string directory = _store.Settings.Directory;
        long used = 0;
        foreach (var file in new DirectoryInfo(directory).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true }))
            used += file.Length;
        var drive = new DriveInfo(Path.GetFullPath(directory));
        return new BrokerStats(_settings.BrokerName, _settings.BrokerId, _role.Role.Name(), directory, used,
            drive.AvailableFreeSpace, drive.TotalSize, _store.CommitLog.MinOffset, _store.CommitLog.MaxOffset,
            _store.Stats.Appended.LastMinute(), _store.Stats.Delivered.LastMinute());
    }

    private MessagesFound Refused(string error) => new(_settings.BrokerName, [], error);

    private static FoundMessage ToFound(StoredMessage m) => new(m.Topic, m.QueueId, m.QueueOffset, m.PhysicalOffset, m.BornTimestamp,
        m.StoreTimestamp, m.BornHost?.ToString(), m.ReconsumeTimes, m.Flag, m.SysFlag, m.Properties, m.Body, m.StoreSize);
}
