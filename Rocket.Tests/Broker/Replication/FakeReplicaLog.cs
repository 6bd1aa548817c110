using Akka.Actor;
using Rocket.Store;
using Rocket.Store.Replication;

namespace Rocket.Tests.Broker.Replication;

/// <summary>
/// An in-memory commit log of whole records for the replication actors' tests (the real store implements
/// <see cref="IReplicaLog"/> on its mmap segments). Thread-safe: the test thread and actors read it.
/// </summary>
internal sealed class FakeReplicaLog(int segmentSize = 1 << 20, long minOffset = 0) : IReplicaLog
{
    private readonly object _gate = new();
    private readonly SortedDictionary<long, byte[]> _records = new(); // start offset → record bytes
    private readonly List<EpochEntry> _epochs = new();
    private long _max = minOffset;
    private long _min = minOffset;

    public int SegmentSize => segmentSize;
    public long MinOffset { get { lock (_gate) return _min; } }
    public long MaxOffset { get { lock (_gate) return _max; } }
    public IReadOnlyList<EpochEntry> Epochs { get { lock (_gate) return _epochs.ToArray(); } }
    public long CurrentEpoch { get { lock (_gate) return _epochs.Count == 0 ? 0 : _epochs[^1].Epoch; } }

    /// <summary>Appends one record (its bytes as given) at the end.</summary>
    public long Append(byte[] record)
    {
        lock (_gate)
        {
            long at = _max;
            _records[at] = record;
            _max += record.Length;
            return at;
        }
    }

    public void Append(int count, int size, byte fill = 0)
    {
        for (int i = 0; i < count; i++) Append(Enumerable.Range(0, size).Select(b => (byte)(b + i + fill)).ToArray());
    }

    /// <summary>A replica's append: records must start exactly at the end (or anywhere when the log is empty).</summary>
    public void AppendReplica(long start, byte[] bytes, int recordSize)
    {
        lock (_gate)
        {
            if (start != _max) throw new StoreException($"replica append at {start}, but the log ends at {_max}");
            for (int p = 0; p < bytes.Length; p += recordSize) Append(bytes[p..Math.Min(bytes.Length, p + recordSize)]);
        }
    }

    /// <summary>Empties the log and starts it at <paramref name="offset"/> (a slave behind its master's oldest byte).</summary>
    public void StartAt(long offset, IReadOnlyList<QueueStart>? queues = null)
    {
        lock (_gate)
        {
            _records.Clear();
            _epochs.Clear();
            _min = _max = offset;
            StartedQueues = queues ?? [];
        }
    }

    /// <summary>What <see cref="QueueOffsetsAt"/> answers (a master's queues; the fake holds no queues of its own).</summary>
    public IReadOnlyList<QueueStart> QueueStarts { get; init; } = [];

    /// <summary>The queue starts the last <see cref="StartAt"/> was given (a slave's).</summary>
    public IReadOnlyList<QueueStart> StartedQueues { get; private set; } = [];

    public IReadOnlyList<QueueStart> QueueOffsetsAt(long logOffset) => QueueStarts;

    public void BeginEpoch(long epoch, long start)
    {
        lock (_gate) _epochs.Add(new EpochEntry(epoch, start));
    }

    public void Truncate(long offset)
    {
        lock (_gate)
        {
            foreach (var key in _records.Keys.Where(k => k >= offset).ToArray()) _records.Remove(key);
            _max = offset;
            _epochs.RemoveAll(e => e.StartOffset > offset);
        }
    }

    public int ReadWholeRecords(long from, long limit, Span<byte> destination)
    {
        lock (_gate)
        {
            if (from < _min) throw new StoreException($"offset {from} is below the log's min offset {_min}");
            if (from < _max && !_records.ContainsKey(from)) throw new StoreException($"offset {from} is not a record boundary");
            int copied = 0;
            long at = from;
            while (at < Math.Min(limit, _max) && _records.TryGetValue(at, out var r) && at + r.Length <= limit && copied + r.Length <= destination.Length)
            {
                r.CopyTo(destination[copied..]);
                copied += r.Length;
                at += r.Length;
            }
            return copied;
        }
    }

    public byte[] Bytes()
    {
        lock (_gate) return _records.Values.SelectMany(r => r).ToArray();
    }
}

/// <summary>A journal that applies the replication messages to a <see cref="FakeReplicaLog"/> and answers as the real one does.</summary>
internal sealed class FakeReplicaJournal : ReceiveActor
{
    public FakeReplicaJournal(FakeReplicaLog log, int recordSize)
    {
        Receive<GetJournal>(_ => Sender.Tell(Self));
        Receive<AppendReplica>(a =>
        {
            try
            {
                log.AppendReplica(a.StartOffset, a.Bytes.ToArray(), recordSize);
                Sender.Tell(new ReplicaAppended(log.MaxOffset));
            }
            catch (StoreException e) { Sender.Tell(new ReplicaAppendFailed(log.MaxOffset, e.Message)); }
        });
        Receive<BeginEpoch>(b =>
        {
            log.BeginEpoch(b.Epoch, b.StartOffset);
            Sender.Tell(new EpochBegun(b.Epoch, b.StartOffset, log.MaxOffset));
        });
        Receive<StartLogAt>(s =>
        {
            log.StartAt(s.Offset, s.Queues);
            Sender.Tell(new LogStartedAt(s.Offset));
        });
        Receive<TruncateLog>(t =>
        {
            log.Truncate(t.Offset);
            Sender.Tell(new LogTruncated(log.MaxOffset));
        });
    }

    public static Props Props(FakeReplicaLog log, int recordSize) => Akka.Actor.Props.Create(() => new FakeReplicaJournal(log, recordSize));
}
