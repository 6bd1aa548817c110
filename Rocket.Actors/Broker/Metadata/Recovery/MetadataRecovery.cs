using Microsoft.Extensions.Logging;
using Rocket.Broker.Metadata.Backup;
using Rocket.Protocol;

namespace Rocket.Broker.Metadata.Recovery;

/// <summary>
/// Decides at start, before the metadata journal opens, what to do about a missing or damaged metadata database
/// (see docs/metadata.md):
/// <list type="bullet">
/// <item>intact database, or a new broker (no database, no consume queues, no backup): nothing;</item>
/// <item>lost (missing, empty or damaged while the store has consume queues or backups): a damaged file is moved to
/// <c>metadata/damaged-{time}/</c>, never deleted; topics come from <c>backup/topics.json</c> plus every topic the
/// consume queues show, offsets from <c>backup/consumerOffset.json</c>; each decision is logged;</item>
/// <item>lost with no usable offset backup: refused (offsets cannot be rebuilt, and silently losing them skips or
/// replays backlogs), unless <c>rocket.broker.metadata.accept-lost-offsets = on</c>.</item>
/// </list>
/// </summary>
public static class MetadataRecovery
{
    /// <param name="queues">The consume queues the store recovered (topic, queue id).</param>
    /// <returns>What the metadata actors must persist, or null when the database is to be used as it is.</returns>
    public static MetadataRestore? Prepare(string storeDirectory, IEnumerable<(string Topic, int QueueId)> queues,
        MetadataSettings settings, ILogger log, DateTimeOffset? now = null)
    {
        string database = MetadataPersistence.DatabasePath(storeDirectory);
        var check = MetadataDatabaseCheck.Inspect(database);
        if (check.State == DatabaseState.Intact) return null;

        var onDisk = queues.GroupBy(q => q.Topic, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Max(q => q.QueueId) + 1, StringComparer.Ordinal);
        var topicsFile = settings.TopicsFile;
        var offsetsFile = settings.OffsetsFile;
        bool anyBackup = topicsFile.AnyExists || offsetsFile.AnyExists;
        if (check.State != DatabaseState.Damaged && onDisk.Count == 0 && !anyBackup) return null; // a new broker

        string what = check.State switch
        {
            DatabaseState.Missing => "missing",
            DatabaseState.Empty => "empty (it holds no topic or offset)",
            _ => $"damaged ({check.Problem})",
        };
        var problems = new List<string>();
        var topicsBackup = TryRead(topicsFile, TopicsBackup.FromJson, problems);
        var offsetsBackup = TryRead(offsetsFile, OffsetsBackup.FromJson, problems);
        foreach (var problem in problems) log.LogWarning("metadata backup: {Problem}", problem);

        if (offsetsBackup is null && !settings.AcceptLostOffsets)
            throw new MetadataRecoveryException(
                $"metadata database {database} is {what}, and there is no usable consumer offset backup " +
                $"({offsetsFile.Path} or its .bak{(problems.Count > 0 ? ": " + string.Join("; ", problems) : "")}). " +
                (onDisk.Count > 0 ? $"The store holds consume queues of {onDisk.Count} topic(s) ({Names(onDisk.Keys.Order(StringComparer.Ordinal))}); " : "") +
                "starting would lose every consumer group's position. Put back a copy of the database, or set " +
                "rocket.broker.metadata.accept-lost-offsets = on to start once with topics rebuilt from the consume queues and no stored offsets.");

        if (check.State == DatabaseState.Damaged)
            log.LogError("metadata database {Database} is {What}; moved to {Quarantine} and restoring from the backups",
                database, what, Quarantine(database, now ?? DateTimeOffset.UtcNow));
        else
            log.LogWarning("metadata database {Database} is {What}; restoring from the backups and the consume queues", database, what);

        var clock = now ?? DateTimeOffset.UtcNow;
        var topics = MergeTopics(topicsBackup, onDisk, log, clock);
        GroupQueueOffset[] offsets;
        if (offsetsBackup is not null)
        {
            offsets = offsetsBackup.Content.Offsets;
            var groups = offsets.Select(o => o.Group).Distinct().Order(StringComparer.Ordinal).ToArray();
            log.LogWarning("restored the offsets of {Groups} consumer group(s) ({Names}) on {Queues} queue(s) from {File}, written {Written:u} ({Age} ago): " +
                "what they consumed after that is delivered again", groups.Length, Names(groups), offsets.Length, offsetsBackup.File,
                offsetsBackup.WrittenUtc, Age(clock, offsetsBackup.WrittenUtc));
        }
        else
        {
            offsets = [];
            log.LogError("no consumer offset backup: every consumer group's position on this broker is lost " +
                "(rocket.broker.metadata.accept-lost-offsets = on); groups start where their consume-from policy says");
        }
        return new MetadataRestore(topics, offsets);
    }

    /// <summary>
    /// The backup's topics, with queue counts raised to what is on disk (a topic widened after the backup), plus
    /// every topic found only on disk with default permissions.
    /// </summary>
    private static TopicConfig[] MergeTopics(BackupFile.Loaded<TopicsBackup>? backup, Dictionary<string, int> onDisk, ILogger log, DateTimeOffset now)
    {
        var topics = new Dictionary<string, TopicConfig>(StringComparer.Ordinal);
        if (backup is not null)
        {
            foreach (var t in backup.Content.Topics) topics[t.Name] = t;
            log.LogWarning("restored {Count} topic(s) ({Names}) from {File}, written {Written:u} ({Age} ago)",
                topics.Count, Names(topics.Keys), backup.File, backup.WrittenUtc, Age(now, backup.WrittenUtc));
        }
        foreach (var (name, queues) in onDisk.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (SystemTopics.IsInternal(name)) continue; // the broker's own topics (schedule, timer, half) have no config
            if (topics.TryGetValue(name, out var known))
            {
                if (known.ReadQueues >= queues && known.WriteQueues >= queues) continue;
                topics[name] = known with { ReadQueues = Math.Max(known.ReadQueues, queues), WriteQueues = Math.Max(known.WriteQueues, queues) };
                log.LogWarning("topic {Topic}: the consume queues on disk go up to queue {Last}; queue counts raised from {Read}/{Write} to {Queues}",
                    name, queues - 1, known.ReadQueues, known.WriteQueues, queues);
                continue;
            }
            topics[name] = new TopicConfig(name, queues, queues);
            log.LogWarning("topic {Topic} rebuilt from its consume queues on disk: {Queues} read/write queues, perm 6 (not in any backup)", name, queues);
        }
        // The broker deletes the data of consume queues without a topic (a delete cut short): refuse rather than drop one.
        foreach (var topic in topics.Values)
            if (TopicRules.Check(topic) is { } error)
                throw new MetadataRecoveryException($"topic {topic.Name} cannot be restored ({error}) and starting without it would delete its consume queues; put back a copy of the metadata database");
        return topics.Values.OrderBy(t => t.Name, StringComparer.Ordinal).ToArray();
    }

    private static BackupFile.Loaded<T>? TryRead<T>(BackupFile file, Func<byte[], T> parse, List<string> problems)
    {
        try { return file.Read(parse, problems); }
        catch (BackupFileException) { return null; } // each unusable version is already in problems
    }

    /// <summary>Moves the database and its WAL files into a new folder beside it; returns that folder.</summary>
    private static string Quarantine(string database, DateTimeOffset now)
    {
        string folder = Path.Combine(Path.GetDirectoryName(database)!, $"damaged-{now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}");
        Directory.CreateDirectory(folder);
        foreach (var suffix in new[] { "", "-wal", "-shm" })
            if (File.Exists(database + suffix)) File.Move(database + suffix, Path.Combine(folder, Path.GetFileName(database) + suffix));
        return folder;
    }

    private static string Names(IEnumerable<string> names)
    {
        var all = names.ToArray();
        return all.Length <= 20 ? string.Join(", ", all) : string.Join(", ", all.Take(20)) + $", … {all.Length - 20} more";
    }

    private static string Age(DateTimeOffset now, DateTime writtenUtc)
    {
        var age = now.UtcDateTime - writtenUtc;
        return age < TimeSpan.Zero ? "0 s" : age.TotalHours >= 1 ? $"{age.TotalHours:F1} h" : $"{age.TotalSeconds:F0} s";
    }
}
