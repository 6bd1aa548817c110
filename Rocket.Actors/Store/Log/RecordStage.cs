using Rocket.Store.Mapped;

namespace Rocket.Store.Log;

/// <summary>
/// The commit log's records gathered in memory on their way to one segment, then written there with one system call
/// (<see cref="MappedSegment.Write"/>), not stored through the mapping. Storing through the mapping made the kernel
/// zero each fresh page before the record overwrote it, on large page-cache folios that cost the broker more than
/// anything else in a burst of sends (docs/performance.md, "Twentieth round"). Journal thread only.
/// </summary>
internal sealed class RecordStage
{
    /// <summary>Large enough that a burst's batch is one write; a batch that fills it is written in parts.</summary>
    public const int DefaultCapacity = 1 << 20;

    private byte[] _buffer;
    private int _length;
    private MappedSegment? _segment;

    public RecordStage(int capacity = DefaultCapacity) => _buffer = GC.AllocateUninitializedArray<byte>(capacity);

    /// <summary>The segment position where the staged bytes go: the end of what is written so far.</summary>
    public int Position { get; private set; }

    /// <summary>Bytes staged and not yet written.</summary>
    public int Length => _length;

    /// <summary>Stages for <paramref name="segment"/> from <paramref name="position"/>; anything staged before is dropped.</summary>
    public void Begin(MappedSegment segment, int position)
    {
        _segment = segment;
        Position = position;
        _length = 0;
    }

    /// <summary>Whether <paramref name="size"/> more bytes fit before the stage must be written.</summary>
    public bool Fits(int size) => _length + size <= _buffer.Length;

    /// <summary>
    /// The next <paramref name="size"/> bytes of the stage, to be filled by the caller. The caller writes the stage first
    /// when they do not <see cref="Fits"/>; a record larger than the whole stage grows it (the stage is empty then).
    /// </summary>
    public Span<byte> Take(int size)
    {
        if (!Fits(size))
        {
            if (_length > 0) throw new InvalidOperationException($"{size} bytes do not fit the stage's {_buffer.Length - _length} free bytes; write it first");
            _buffer = GC.AllocateUninitializedArray<byte>(size);
        }
        var span = _buffer.AsSpan(_length, size);
        _length += size;
        return span;
    }

    /// <summary>
    /// Writes the staged bytes into the segment at <see cref="Position"/>, which moves past them. On failure (a
    /// <see cref="StoreException"/>) the stage is emptied and the position stays where the written bytes end.
    /// </summary>
    public void Write()
    {
        if (_length == 0) return;
        int length = _length;
        _length = 0;
        _segment!.Write(Position, _buffer.AsSpan(0, length));
        Position += length;
    }
}
