using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Rocket.Client;
using Rocket.Client.Offsets;

namespace Rocket.Tests.Client.Offsets;

/// <summary>The local offset file's format reads back exactly what was written, whatever the names and offsets.</summary>
public sealed class LocalOffsetFilePropertyTests
{
    private static readonly Gen<string> Names =
        Gen.Elements("Orders", "%RETRY%G1", "t", "broker-a", "broker-b", "ü-name", "a\"quote", "back\\slash", "with space", "x/y");

    private static readonly Gen<Dictionary<MessageQueue, long>> Tables =
        from rows in Gen.Zip(Gen.Zip(Names, Names), Gen.Zip(Gen.Choose(0, 1023), Gen.Choose(0, int.MaxValue))).ArrayOf()
        from big in Gen.Elements(0L, 1L << 40, long.MaxValue - int.MaxValue)
        select rows.Select(r => (Queue: new MessageQueue(r.Item1.Item1, r.Item1.Item2, r.Item2.Item1), Offset: big + r.Item2.Item2))
            .DistinctBy(r => r.Queue).ToDictionary(r => r.Queue, r => r.Offset);

    [Property(MaxTest = 300)]
    public Property Format_then_parse_gives_the_same_table() =>
        Prop.ForAll(Tables.ToArbitrary(), table =>
        {
            var back = LocalOffsetFile.Parse(LocalOffsetFile.Format(table));
            return back.Count == table.Count && table.All(kv => back.TryGetValue(kv.Key, out var o) && o == kv.Value);
        });
}
