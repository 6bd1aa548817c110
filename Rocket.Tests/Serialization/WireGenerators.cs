using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Rocket.Protocol;

namespace Rocket.Tests.Serialization;

/// <summary>FsCheck generators for the hot-path messages, reaching extreme numbers, nulls and non-ASCII text.</summary>
public static class WireGenerators
{
    /// <summary>Well-formed UTF-16 only: a lone surrogate cannot survive UTF-8 (it becomes U+FFFD, tested separately).</summary>
    private static readonly Gen<string> Text =
        Gen.OneOf(
                ArbMap.Default.GeneratorFor<string>().Where(s => s is not null),
                Gen.Elements("a", "Z", "_", "%", "é", "ß", "主", "题", "🚀", "\u0000", "\u0001", "\u0002", "\uFFFD").ArrayOf()
                    .Select(parts => string.Concat(parts)))
            .Where(IsWellFormed);

    private static readonly Gen<string?> NullableText = Gen.OneOf(Text.Select(s => (string?)s), Gen.Constant<string?>(null));

    private static readonly Gen<long> AnyLong =
        Gen.OneOf(ArbMap.Default.GeneratorFor<long>(), Gen.Elements(long.MinValue, long.MaxValue, -1L, 0L, 1_700_000_000_000L));

    private static readonly Gen<int> AnyInt =
        Gen.OneOf(ArbMap.Default.GeneratorFor<int>(), Gen.Elements(int.MinValue, int.MaxValue, -1, 0, 127, 128));

    private static readonly Gen<byte[]> Body = ArbMap.Default.GeneratorFor<byte[]>().Where(b => b is not null);

    private static readonly Gen<WireMessage> WireMessageGen =
        from topic in Text
        from queueId in AnyInt
        from body in Body
        from properties in NullableText
        from flag in AnyInt
        from born in AnyLong
        select new WireMessage(topic, queueId, body, properties, flag, born);

    private static readonly Gen<ProduceResult> ProduceResultGen =
        from status in Gen.Elements(Enum.GetValues<ProduceStatus>())
        from queueId in AnyInt
        from queueOffset in AnyLong
        from physical in AnyLong
        from stored in AnyLong
        from error in NullableText
        select new ProduceResult(status, queueId, queueOffset, physical, stored, error);

    private static readonly Gen<PulledMessage> PulledMessageGen =
        from offsets in Gen.Zip(AnyLong, AnyLong)
        from times in Gen.Zip(AnyLong, AnyLong)
        from reconsume in AnyInt
        from flag in AnyInt
        from properties in NullableText
        from body in Body
        select new PulledMessage(offsets.Item1, offsets.Item2, times.Item1, times.Item2, reconsume, flag, properties, body);

    private static Gen<T[]?> NullableArray<T>(Gen<T> item) =>
        Gen.Frequency((9, item.ArrayOf().Select(a => (T[]?)a)), (1, Gen.Constant<T[]?>(null)));

    public static readonly Gen<IRocketWire> Message = Gen.OneOf(
        from id in AnyLong
        from messages in NullableArray(WireMessageGen)
        select (IRocketWire)new ProduceRequest(id, messages!),
        from id in AnyLong
        from results in NullableArray(ProduceResultGen)
        select (IRocketWire)new ProduceResponse(id, results!),
        from id in AnyLong
        from names in Gen.Zip(Text, Text)
        from queueId in AnyInt
        from offset in AnyLong
        from maxCount in AnyInt
        from tags in NullableText
        from suspend in AnyLong
        from filterType in Gen.Elements(Enum.GetValues<Rocket.Protocol.Filtering.FilterType>())
        select (IRocketWire)new PullRequest(id, names.Item1, names.Item2, queueId, offset, maxCount, tags, suspend, filterType),
        from id in AnyLong
        from status in Gen.Elements(Enum.GetValues<PullStatus>())
        from topic in Text
        from queueId in AnyInt
        from next in AnyLong
        from range in Gen.Zip(AnyLong, AnyLong)
        from messages in Gen.Frequency(
            (4, PulledMessageGen.ArrayOf().Select(a => (PulledMessage[]?)a)),
            (4, ConsecutiveMessages.Select(a => (PulledMessage[]?)a)),
            (1, Gen.Constant<PulledMessage[]?>(null)))
        from error in NullableText
        from suggest in Gen.Frequency((1, Gen.Constant<long?>(null)), (2, Gen.Choose(0, int.MaxValue).Select(i => (long?)i)),
            (1, Gen.Constant<long?>(long.MaxValue - 1)))
        select (IRocketWire)new PullResponse(id, status, topic, queueId, next, range.Item1, range.Item2, messages!, error, suggest));

    /// <summary>What brokers send: queue offsets counting up, physical offsets and store times rising, born a bit earlier.</summary>
    private static readonly Gen<PulledMessage[]> ConsecutiveMessages =
        from first in Gen.Choose(0, int.MaxValue)
        from physical in Gen.Choose(0, int.MaxValue)
        from parts in Gen.Zip(Gen.Choose(1, 5000), Body).ArrayOf()
        select parts.Select((part, i) => new PulledMessage(first + (long)i, physical * 100L + parts.Take(i + 1).Sum(p => (long)p.Item1),
            1_700_000_000_000L + i - 3, 1_700_000_000_000L + i, 0, 0, "TAGS\u0001A", part.Item2)).ToArray();

    private static bool IsWellFormed(string s)
    {
        try
        {
            new UTF8Encoding(false, throwOnInvalidBytes: true).GetByteCount(s);
            return true;
        }
        catch (EncoderFallbackException)
        {
            return false;
        }
    }
}
