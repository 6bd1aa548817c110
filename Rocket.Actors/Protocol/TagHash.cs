using System.Text;

namespace Rocket.Protocol;

/// <summary>
/// The tag code kept in consume-queue entries: Java's String.hashCode of the tag, widened to long, 0 for no tag,
/// so broker-side tag filtering needs no commit-log read (RocketMQ's rule; clients re-check the real tag).
/// </summary>
public static class TagHash
{
    public static long Of(string? tag) => string.IsNullOrEmpty(tag) ? 0 : Of(tag.AsSpan());

    public static long Of(ReadOnlySpan<char> tag)
    {
        int h = 0;
        foreach (char c in tag) h = unchecked(31 * h + c);
        return h;
    }

    public static long OfUtf8(ReadOnlySpan<byte> tagUtf8)
    {
        if (tagUtf8.IsEmpty) return 0;
        if (System.Text.Ascii.IsValid(tagUtf8))
        {
            int h = 0;
            foreach (byte b in tagUtf8) h = unchecked(31 * h + b);
            return h;
        }
        return Of(Encoding.UTF8.GetString(tagUtf8));
    }
}
