using System.Collections.Concurrent;
using System.Globalization;
using Rocket.Protocol;
using Rocket.Store.Log;

namespace Rocket.Store.Queue;

/// <summary>
/// Every consume queue of a store, one per (topic, queueId) under <c>{directory}/{topic}/{queueId}/</c>.
/// The projector's thread creates queues; any thread finds them without a lock.
/// </summary>
public sealed class ConsumeQueueStore : IDisposable
{
    private readonly ConcurrentDictionary<(string Topic, int QueueId), ConsumeQueue> _queues = new();
    private readonly string _directory;
    private readonly int _fileSize;

    private readonly Space.StoreSpaceGuard? _guard;

    /// <param name="guard">The store's disk-full guard, asked before each new consume-queue file; null for none.</param>
    public ConsumeQueueStore(string directory, int fileSize, Space.StoreSpaceGuard? guard = null)
    {
        _guard = guard;
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (fileSize <= 0 || fileSize % ConsumeQueue.EntrySize != 0)
            throw new ArgumentOutOfRangeException(nameof(fileSize), fileSize,
                $"consume queue file size must be a positive multiple of {ConsumeQueue.EntrySize} bytes (one entry)");
        _directory = directory;
        _fileSize = fileSize;
        Directory.CreateDirectory(directory);
    }

    /// <summary>Opens every queue found on disk. Directories that are not a topic name / queue id are not ours: skipped.</summary>
    public void Load()
    {
        foreach (string topicDirectory in Directory.EnumerateDirectories(_directory))
        {
            string topic = Path.GetFileName(topicDirectory);
            if (ResourceNames.CheckTopic(topic) is not null) continue;
            foreach (string queueDirectory in Directory.EnumerateDirectories(topicDirectory))
            {
                if (!TryParseQueueId(Path.GetFileName(queueDirectory), out int queueId)) continue;
                if (_queues.ContainsKey((topic, queueId))) continue;
                _queues[(topic, queueId)] = Open(topic, queueId);
            }
        }
    }

    /// <summary>Only the canonical spelling ("7", not "07" or "+7"), since that is the directory a queue writes to.</summary>
    private static bool TryParseQueueId(string name, out int queueId) =>
        int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out queueId) &&
        name == queueId.ToString(CultureInfo.InvariantCulture);

    private ConsumeQueue Open(string topic, int queueId)
    {
        var queue = new ConsumeQueue(_directory, topic, queueId, _fileSize, _guard);
        try
        {
            queue.Load();
            return queue;
        }
        catch
        {
            queue.Dispose();
            throw;
        }
    }

    /// <summary>The queue for (topic, queueId), created (and loaded, should files exist) on first use. Projector thread.</summary>
    public ConsumeQueue GetOrCreate(string topic, int queueId)
    {
        if (_queues.TryGetValue((topic, queueId), out var queue)) return queue;
        queue = Open(topic, queueId);
        if (_queues.TryAdd((topic, queueId), queue)) return queue;
        queue.Dispose(); // only reachable if a second thread created it too
        return _queues[(topic, queueId)];
    }

    /// <summary>
    /// Deletes every queue of <paramref name="topic"/>, files and directory (projector thread). Readers that still hold
    /// a file finish with it; it is unlinked when they let go. Returns the removed queues.
    /// </summary>
    public IReadOnlyList<ConsumeQueue> DeleteTopic(string topic)
    {
        var removed = new List<ConsumeQueue>();
        foreach (var (key, queue) in _queues)
            if (key.Topic == topic && _queues.TryRemove(key, out _)) removed.Add(queue);
        foreach (var queue in removed) queue.Delete();
        string directory = Path.Combine(_directory, topic);
        if (ResourceNames.CheckTopic(topic) is null && System.IO.Directory.Exists(directory))
            System.IO.Directory.Delete(directory, recursive: true); // also queues never loaded (e.g. a stray folder)
        return removed;
    }

    /// <summary>The queue for (topic, queueId) if it exists. Any thread, lock-free.</summary>
    public ConsumeQueue? Find(string topic, int queueId) =>
        _queues.TryGetValue((topic, queueId), out var queue) ? queue : null;

    /// <summary>A snapshot of every queue (the dictionary's enumerator takes no lock, unlike its Values).</summary>
    public IReadOnlyCollection<ConsumeQueue> All => _queues.Select(pair => pair.Value).ToArray();

    /// <summary>The highest commit-log end any queue has indexed.</summary>
    public long MaxPhysicalEnd
    {
        get
        {
            long max = 0;
            foreach (var (_, queue) in _queues) max = Math.Max(max, queue.MaxPhysicalEnd);
            return max;
        }
    }

    /// <summary>Every queue drops its entries beyond the log end; returns what each queue dropped.</summary>
    public IReadOnlyList<(ConsumeQueue Queue, long From, long To)> TruncateByPhysicalOffset(long commitLogEnd)
    {
        var dropped = new List<(ConsumeQueue, long, long)>();
        foreach (var queue in All)
        {
            var (from, to) = queue.TruncateByPhysicalOffset(commitLogEnd);
            if (to > from) dropped.Add((queue, from, to));
        }
        return dropped;
    }

    /// <summary>Every entry pointing into a damaged log range becomes a filler; returns the replaced offsets per queue.</summary>
    public IReadOnlyList<(ConsumeQueue Queue, List<long> Offsets)> ReplaceEntriesInRange(long physicalFrom, long physicalTo)
    {
        var replaced = new List<(ConsumeQueue, List<long>)>();
        foreach (var queue in All)
            if (queue.ReplaceEntriesInRange(physicalFrom, physicalTo) is { Count: > 0 } offsets) replaced.Add((queue, offsets));
        return replaced;
    }

    public int DeleteExpiredFiles(long commitLogMinOffset)
    {
        int deleted = 0;
        foreach (var queue in All) deleted += queue.DeleteExpiredFiles(commitLogMinOffset);
        return deleted;
    }

    /// <summary>Every queue's <see cref="ConsumeQueue.DetachExpiredFiles"/>: the files leave the queues, undeleted.</summary>
    public void DetachExpiredFiles(long commitLogMinOffset, List<Mapped.MappedSegment> detached)
    {
        foreach (var queue in All) queue.DetachExpiredFiles(commitLogMinOffset, detached);
    }

    public void Flush(bool wholePagesOnly = false)
    {
        foreach (var queue in All) queue.Flush(wholePagesOnly);
    }

    /// <summary>See <see cref="ConsumeQueue.ReleaseColdPages"/>.</summary>
    public void ReleaseColdPages(int keepTailBytes)
    {
        foreach (var (_, queue) in _queues) queue.ReleaseColdPages(keepTailBytes);
    }

    public void Dispose()
    {
        foreach (var queue in All) queue.Dispose();
        _queues.Clear();
    }
}
