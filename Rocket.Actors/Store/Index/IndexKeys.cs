namespace Rocket.Store.Index;

/// <summary>Walks the space-separated pieces of a KEYS property without allocating; empty pieces are skipped.</summary>
internal ref struct IndexKeys(ReadOnlySpan<byte> keysUtf8)
{
    private ReadOnlySpan<byte> _rest = keysUtf8;

    public ReadOnlySpan<byte> Current { get; private set; }

    public bool MoveNext()
    {
        while (!_rest.IsEmpty)
        {
            int space = _rest.IndexOf((byte)' ');
            var piece = space < 0 ? _rest : _rest[..space];
            _rest = space < 0 ? default : _rest[(space + 1)..];
            if (!piece.IsEmpty)
            {
                Current = piece;
                return true;
            }
        }
        return false;
    }

    public readonly IndexKeys GetEnumerator() => this;

    public static int Count(ReadOnlySpan<byte> keysUtf8)
    {
        int count = 0;
        foreach (var _ in new IndexKeys(keysUtf8)) count++;
        return count;
    }
}
