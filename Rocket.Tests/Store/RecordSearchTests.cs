using System.Text;
using Rocket.Store.Format;
using Rocket.Store.Log;
using Xunit;
using static Rocket.Tests.Support.TestMessages;

namespace Rocket.Tests.Store;

/// <summary>The resynchronisation scan: where valid records resume after damage inside one segment.</summary>
public class RecordSearchTests
{
    private const long SegmentStart = 1L << 20;

    /// <summary>A segment of <paramref name="size"/> bytes holding the given bodies as records from position 0; returns their positions.</summary>
    private static (byte[] Segment, int[] Positions) SegmentWith(int size, params string[] bodies)
    {
        var segment = new byte[size];
        var positions = new int[bodies.Length];
        int p = 0;
        for (int i = 0; i < bodies.Length; i++)
        {
            var m = Message(body: bodies[i]);
            var topic = Encoding.UTF8.GetBytes(m.Topic);
            int sysFlag = MessageRecord.NormalizeSysFlag(m.SysFlag, m.BornHost);
            int length = MessageRecord.SizeOf(sysFlag, m.Body.Length, topic.Length, 0);
            MessageRecord.Write(segment.AsSpan(p), length, m, sysFlag, topic, 0, i, SegmentStart + p, 1_700_000_000_000);
            positions[i] = p;
            p += length;
        }
        return (segment, positions);
    }

    [Fact]
    public void Finds_the_first_valid_record_after_damage()
    {
        var (segment, at) = SegmentWith(4096, "one", "two", "three");
        segment.AsSpan(at[0], 8).Fill(0xEE); // the first record's size and magic are gone
        Assert.Equal(at[1], RecordSearch.FindNextValid(segment, SegmentStart, at[0] + 1));
    }

    [Fact]
    public void Skips_a_record_whose_crc_fails_and_one_whose_offset_field_names_another_position()
    {
        var (segment, at) = SegmentWith(4096, "one", "two", "three");
        segment[at[1] + 77] ^= 0x5A;                                    // "two": body byte flipped, CRC fails
        var copy = segment.AsSpan(at[2], MessageRecord.ReadTotalSize(segment.AsSpan(at[2]))).ToArray(); // "three" copied elsewhere keeps its own offset field
        copy.CopyTo(segment.AsSpan(3000));
        Assert.Equal(at[2], RecordSearch.FindNextValid(segment, SegmentStart, at[0] + 1));
        Assert.Equal(-1, RecordSearch.FindNextValid(segment, SegmentStart, at[2] + 1)); // the copy at 3000 names at[2], not 3000
    }

    [Fact]
    public void Finds_the_blank_marker_that_ends_the_segment()
    {
        var (segment, at) = SegmentWith(4096, "one", "two");
        int blank = at[1] + (at[1] - at[0]) + 3; // as if a third record had been there
        MessageRecord.WriteBlank(segment.AsSpan(blank), segment.Length - blank);
        segment.AsSpan(at[1], 8).Clear();
        Assert.Equal(blank, RecordSearch.FindNextValid(segment, SegmentStart, at[1] + 1));
    }

    [Fact]
    public void A_blank_magic_whose_size_does_not_reach_the_segment_end_is_not_an_anchor()
    {
        var segment = new byte[4096];
        MessageRecord.WriteBlank(segment.AsSpan(100), 50);
        Assert.Equal(-1, RecordSearch.FindNextValid(segment, SegmentStart, 0));
    }

    [Fact]
    public void Zeros_hold_nothing_to_resume_on()
    {
        Assert.Equal(-1, RecordSearch.FindNextValid(new byte[64 * 1024], SegmentStart, 0));
        var (segment, at) = SegmentWith(4096, "only");
        Assert.Equal(-1, RecordSearch.FindNextValid(segment, SegmentStart, at[0] + 1));
    }

    [Fact]
    public void A_damaged_range_filler_is_skipped_by_readers_as_a_whole()
    {
        var filler = new byte[200];
        MessageRecord.WriteDamagedFiller(filler);
        Assert.Equal(RecordCheck.Damaged, MessageRecord.Check(filler, 0));
        Assert.Equal(200, MessageRecord.ReadTotalSize(filler));
        Assert.Equal(RecordCheck.Invalid, MessageRecord.Check(filler.AsSpan(0, 100), 0)); // larger than what is left
        Assert.Throws<ArgumentOutOfRangeException>(() => MessageRecord.WriteDamagedFiller(new byte[7]));
    }
}
