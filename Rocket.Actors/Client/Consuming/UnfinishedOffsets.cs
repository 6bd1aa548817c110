namespace Rocket.Client.Consuming;

/// <summary>
/// The offsets of one queue handed to the handler and not yet finished (RocketMQ's ProcessQueue msgTreeMap, offsets
/// only): the consumed offset to report is the lowest of them. A set with a sorted set's answers (adding an offset it
/// holds, or removing one it does not, changes nothing), kept as an ascending array: offsets are added in queue order
/// and mostly finished in that order, so an add appends and a finish marks its entry and drops the finished ones from
/// the front. A <see cref="SortedSet{T}"/> made a tree node per message, linked from older nodes; every gen0
/// collection then had to scan the old nodes' cards and copy the new ones still unfinished.
/// Not thread-safe: owned by the queue's puller actor.
/// </summary>
internal sealed class UnfinishedOffsets
{
    private long[] _offsets = new long[16];  // ascending in [_head, _tail); finished ones stay until they reach the front
    private bool[] _finished = new bool[16];
    private int _head, _tail, _count;

    /// <summary>How many offsets are unfinished.</summary>
    public int Count => _count;

    /// <summary>How many entries the array holds room for: about twice the most offsets unfinished at once, at least 16.</summary>
    internal int Capacity => _offsets.Length;

    /// <summary>The lowest unfinished offset.</summary>
    /// <exception cref="InvalidOperationException">None is unfinished.</exception>
    public long Min => _count > 0 ? _offsets[_head] : throw new InvalidOperationException("no unfinished offset");

    /// <summary>Adds <paramref name="offset"/> as unfinished; nothing changes if it already is.</summary>
    public void Add(long offset)
    {
        if (_head == _tail || offset > _offsets[_tail - 1])
        {
            MakeRoom();
            _offsets[_tail] = offset;
            _finished[_tail++] = false;
            _count++;
            return;
        }
        // Below the newest (the queue was read again from a lower offset): the rare case, kept in order.
        int at = Array.BinarySearch(_offsets, _head, _tail - _head, offset);
        if (at >= 0)
        {
            if (!_finished[at]) return;
            _finished[at] = false;
            _count++;
            return;
        }
        MakeRoom();
        at = ~Array.BinarySearch(_offsets, _head, _tail - _head, offset); // MakeRoom may have moved the entries
        Array.Copy(_offsets, at, _offsets, at + 1, _tail - at);
        Array.Copy(_finished, at, _finished, at + 1, _tail - at);
        _offsets[at] = offset;
        _finished[at] = false;
        _tail++;
        _count++;
    }

    /// <summary>Marks <paramref name="offset"/> finished; nothing changes if it is not unfinished.</summary>
    public void Remove(long offset)
    {
        if (_count == 0) return;
        int at = _offsets[_head] == offset ? _head : Array.BinarySearch(_offsets, _head, _tail - _head, offset);
        if (at < 0 || _finished[at]) return;
        _finished[at] = true;
        _count--;
        while (_head < _tail && _finished[_head]) _head++;
        if (_head == _tail) _head = _tail = 0;
    }

    /// <summary>Ensures one more entry fits after _tail: drops the finished entries, and grows only when at least half are unfinished.</summary>
    private void MakeRoom()
    {
        if (_tail < _offsets.Length) return;
        if (_count > _offsets.Length / 2)
        {
            Array.Resize(ref _offsets, _offsets.Length * 2);
            Array.Resize(ref _finished, _finished.Length * 2);
            if (_tail < _offsets.Length) return;
        }
        // Compact: an offset stuck unfinished keeps its place, the finished ones behind it go.
        int kept = 0;
        for (int i = _head; i < _tail; i++)
        {
            if (_finished[i]) continue;
            _offsets[kept] = _offsets[i];
            _finished[kept++] = false;
        }
        _head = 0;
        _tail = kept;
    }
}
