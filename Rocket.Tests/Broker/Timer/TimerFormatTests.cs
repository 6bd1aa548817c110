using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Rocket.Broker.Timer;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Broker.Timer;

/// <summary>The timer log's record and checkpoint formats, and recovery of a torn or damaged tail.</summary>
public class TimerFormatTests
{
    private static readonly TimerSettings Settings = new() { MaxDelaySec = 3600, PrecisionMs = 100 };

    [Property(MaxTest = 200)]
    public Property A_record_reads_back_as_written_whatever_its_link(long due, long slot, long logOffset, int size, long link)
    {
        var record = new TimerRecord(due, slot, Math.Abs(logOffset % long.MaxValue), Math.Max(1, Math.Abs(size % int.MaxValue)));
        var bytes = new byte[TimerRecord.Length];
        record.Write(bytes, link);
        bool ok = TimerRecord.TryRead(bytes, out var read);
        long readLink = TimerRecord.ReadLink(bytes);
        TimerRecord.WriteLink(bytes, link ^ 0x5555); // a rewritten link keeps the record intact
        return (ok && read == record && readLink == link && TimerRecord.TryRead(bytes, out var again) && again == record).ToProperty();
    }

    [Property(MaxTest = 300)]
    public Property Any_changed_byte_outside_the_link_makes_the_record_unreadable(PositiveInt at, byte xor)
    {
        var bytes = new byte[TimerRecord.Length];
        new TimerRecord(1_700_000_000_000, 17_000_000_000, 123_456, 300).Write(bytes, 42);
        int position = at.Get % 40; // bytes 40..47 are the link, outside the CRC on purpose
        bytes[position] ^= (byte)(xor == 0 ? 1 : xor);
        return (!TimerRecord.TryRead(bytes, out _)).ToProperty();
    }

    [Fact]
    public void A_checkpoint_round_trips_and_a_damaged_one_reads_as_empty_with_a_reason()
    {
        using var dir = new TempDirectory("timer-checkpoint");
        var path = dir.Combine("checkpoint");
        Assert.Equal(TimerCheckpoint.Empty, TimerCheckpoint.Read(path, out var none));
        Assert.Null(none);
        new TimerCheckpoint(1234, 17_000_000_001).Write(path);
        Assert.Equal(new TimerCheckpoint(1234, 17_000_000_001), TimerCheckpoint.Read(path, out _));
        var bytes = File.ReadAllBytes(path);
        bytes[6] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        Assert.Equal(TimerCheckpoint.Empty, TimerCheckpoint.Read(path, out var problem));
        Assert.Contains("damaged", problem);
    }

    public sealed record TornCase(int Records, int Cut, int GarbageBytes, int RecordsPerSegment)
    {
        public override string ToString() => $"{Records} records, torn inside record {Cut} with {GarbageBytes} garbage bytes, {RecordsPerSegment} per segment";
    }

    private static readonly Gen<TornCase> TornGen =
        from records in Gen.Choose(1, 120)
        from cut in Gen.Choose(0, 119)
        from garbage in Gen.Choose(1, 35) // from byte 36 on only zeros (reserved) and the derived link are missing: the record is whole
        from perSegment in Gen.Elements(7, 16, 64)
        select new TornCase(records, Math.Min(cut, records - 1), garbage, perSegment);

    /// <summary>
    /// A crash tears the last record being written (part of it reached the file): recovery keeps every record before
    /// it, zeroes the rest, reports what it cut, and appending continues at the cut so the log stays one run of
    /// intact records across the next restart.
    /// </summary>
    [Property(MaxTest = 40)]
    public Property A_torn_tail_is_cut_and_every_record_before_it_kept() =>
        Prop.ForAll(TornGen.ToArbitrary(), c =>
        {
            using var dir = new TempDirectory("timer-torn");
            var logDir = dir.Combine("log");
            var written = new List<(long Position, TimerRecord Record)>();
            using (var log = new TimerLog(logDir, c.RecordsPerSegment))
            {
                log.Recover((_, _) => { });
                for (int i = 0; i < c.Records; i++)
                {
                    // Every byte of every field non-zero, so a record cut anywhere before byte 36 differs from the whole one.
                    var record = new TimerRecord(0x1111111111111111 + i, 0x2222222222222222 + i, 0x3333333333333333 + i, 0x44444444);
                    written.Add((log.Append(record, 0), record));
                }
            }
            // Tear record c.Cut: keep only its first GarbageBytes bytes, zero the rest and everything after it.
            long tornAt = written[c.Cut].Position;
            foreach (var file in Directory.GetFiles(logDir).Order())
            {
                long start = long.Parse(Path.GetFileName(file));
                var bytes = File.ReadAllBytes(file);
                for (long p = Math.Max(tornAt + c.GarbageBytes, start); p < start + bytes.Length; p++) bytes[p - start] = 0;
                File.WriteAllBytes(file, bytes);
            }

            var recovered = new List<TimerRecord>();
            string? cut;
            using (var log = new TimerLog(logDir, c.RecordsPerSegment))
            {
                cut = log.Recover((_, r) => recovered.Add(r));
                Assert.Equal(tornAt, log.EndOffset);
                log.Append(new TimerRecord(5, 5, 5, 5), 0);
            }
            var afterAppend = new List<TimerRecord>();
            using (var log = new TimerLog(logDir, c.RecordsPerSegment)) Assert.Null(log.Recover((_, r) => afterAppend.Add(r)));

            return (recovered.SequenceEqual(written.Take(c.Cut).Select(w => w.Record))
                    && cut is not null && cut.Contains($"ends at byte {tornAt}")
                    && afterAppend.SequenceEqual([.. recovered, new TimerRecord(5, 5, 5, 5)])).Label(c.ToString());
        });

    [Fact]
    public void Damage_in_the_middle_cuts_the_log_there_and_names_how_many_records_it_cut()
    {
        using var dir = new TempDirectory("timer-damage");
        var logDir = dir.Combine("log");
        using (var log = new TimerLog(logDir, 16))
        {
            log.Recover((_, _) => { });
            for (int i = 0; i < 10; i++) log.Append(new TimerRecord(i, i, i, 1), 0);
        }
        var file = Directory.GetFiles(logDir).Single();
        var bytes = File.ReadAllBytes(file);
        bytes[3 * TimerRecord.Length + 9] ^= 0x40; // record 3's due time
        File.WriteAllBytes(file, bytes);
        var kept = new List<TimerRecord>();
        using var reopened = new TimerLog(logDir, 16);
        var cut = reopened.Recover((_, r) => kept.Add(r));
        Assert.Equal(3, kept.Count);
        Assert.Contains("cut 6 intact-looking and 1 damaged record slots", cut);
        Assert.Equal(3 * TimerRecord.Length, reopened.EndOffset);
    }
}
