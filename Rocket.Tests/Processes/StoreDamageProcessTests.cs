using System.Buffers.Binary;
using Rocket.Cli.Commands.Shared;
using Rocket.Protocol;
using Rocket.Store.Format;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Processes;

/// <summary>
/// Issue 8's reproduction on a real node: 8 MiB segments, 30,000 messages, 8 bytes overwritten at a record start in
/// the middle of the second segment, then a crash with a stale checkpoint (none) and the abort file. Also: bytes
/// flipped inside a body below the checkpoint are never delivered.
/// </summary>
[Collection(MultiProcess.LaneB)]
public class StoreDamageProcessTests : IDisposable
{
    private const int SegmentSize = 8 * 1024 * 1024;
    private readonly TempDirectory _dir = new("store-damage");

    public void Dispose() => _dir.Dispose();

    private string ConfigFile()
    {
        string file = _dir.Combine("node.hocon");
        File.WriteAllText(file, """
            rocket.store.mapped-file-size-commit-log = 8m
            rocket.store.max-hash-slot-num = 100000
            rocket.store.max-index-num = 400000
            # The test reads the damaged segment after the run: retention must not delete it because the host's
            # disk happens to be full (at 85 % the default deletes the oldest segments, expired or not).
            rocket.store.disk-max-used-space-ratio = 95
            rocket.store.disk-space-clean-forcibly-ratio = 99
            rocket.store.disk-space-warning-level-ratio = 99
            """);
        return file;
    }

    /// <summary>A record start at or after <paramref name="position"/> in the segment starting at <paramref name="segmentStart"/>, and its VERIFY_SEQ.</summary>
    private static (long Offset, int Size, long Seq) RecordAt(string store, long segmentStart, int position)
    {
        var bytes = File.ReadAllBytes(Path.Combine(store, "commitlog", segmentStart.ToString("D20")));
        int p = 0;
        while (p < position) p += BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(p)); // walk the size chain
        int size = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(p));
        var message = MessageRecord.Decode(bytes.AsSpan(p, size));
        return (segmentStart + p, size, long.Parse(MessageProperties.Get(message.Properties, "VERIFY_SEQ")!));
    }

    private static void Overwrite(string store, long offset, byte[] bytes)
    {
        using var f = new FileStream(Path.Combine(store, "commitlog", (offset - offset % SegmentSize).ToString("D20")), FileMode.Open, FileAccess.ReadWrite);
        f.Position = offset % SegmentSize;
        f.Write(bytes);
    }

    private static async Task<System.Text.Json.JsonElement> ConsumeAsync(StandaloneNode node, string topic, string group, string verifyId, int expect) =>
        (await node.RocketAsync("consume", "--topic", topic, "--group", group, "--from", "first", "--verify-id", verifyId,
            "--expect", expect.ToString(), "--timeout", "20")).Exits(ExitCodes.Failed).Json(); // one message is missing: exit 1

    [Fact]
    public async Task Mid_log_damage_after_a_crash_with_a_stale_checkpoint_loses_only_the_damaged_message_and_the_node_names_range_and_count()
    {
        string store = _dir.Combine("store"), config = ConfigFile();
        using (var node = StandaloneNode.OnStore(store, "--config", config))
        {
            var sent = (await node.RocketAsync("send", "--topic", "Damaged", "--count", "30000", "--size", "1024", "--verify-id", "d1"))
                .Exits(ExitCodes.Ok).Json();
            Assert.True(sent.GetProperty("sent").GetInt64() == 30000, sent.ToString());
            Assert.Equal(0, node.Terminate());
        }
        Assert.True(File.Exists(Path.Combine(store, "commitlog", (3L * SegmentSize).ToString("D20"))), "30,000 messages of 1 KiB fill more than three 8 MiB segments");
        var victim = RecordAt(store, SegmentSize, SegmentSize / 2);
        Overwrite(store, victim.Offset, [0xDE, 0xAD, 0xBE, 0xEF, 0xDE, 0xAD, 0xBE, 0xEF]);
        File.Delete(Path.Combine(store, "checkpoint"));
        File.WriteAllBytes(Path.Combine(store, "abort"), []);

        using (var node = StandaloneNode.OnStore(store, "--config", config))
        {
            string output = node.Process.StandardOutput;
            var consumed = await ConsumeAsync(node, "Damaged", "after-damage", "d1", 30000);
            Assert.True(consumed.GetProperty("unique").GetInt64() == 29999 && consumed.GetProperty("missing").GetInt64() == 1,
                $"victim seq {victim.Seq} at {victim.Offset}; consumed {consumed}\nnode output:\n{output}");
            Assert.Equal(victim.Seq, Assert.Single(consumed.GetProperty("missing_seqs").EnumerateArray()).GetInt64());

            var line = output.Split('\n').Single(l => l.Contains("Recovery found damaged commit-log bytes"));
            Assert.Contains($"[{victim.Offset}, {victim.Offset + victim.Size})", line);
            Assert.Contains($"({victim.Size} bytes)", line);
            Assert.Contains("messages lost: 1;", line);
            Assert.Contains("quarantined", line);
            Assert.Equal(0, node.Terminate());
        }
        var quarantine = Directory.GetDirectories(Path.Combine(store, "quarantine"));
        Assert.Single(quarantine);
        Assert.True(File.Exists(Path.Combine(quarantine[0], "manifest.json")));

        // Offline, the store is consistent again: the damaged range is a filled (quarantined) range, not damage.
        var verified = (await RocketTool.RunAsync("store", "verify", "--store", store, "--json")).Exits(ExitCodes.Ok).Json();
        Assert.Equal(victim.Offset, Assert.Single(verified.GetProperty("filled").EnumerateArray()).GetProperty("start").GetInt64());
        Assert.Equal(29999, verified.GetProperty("records").GetInt64());
    }

    [Fact]
    public async Task Bytes_flipped_inside_a_body_are_never_delivered_the_consumer_moves_past_and_the_broker_logs_it()
    {
        string store = _dir.Combine("store"), config = ConfigFile();
        using (var node = StandaloneNode.OnStore(store, "--config", config))
        {
            (await node.RocketAsync("send", "--topic", "Flipped", "--count", "2000", "--size", "512", "--verify-id", "f1")).Exits(ExitCodes.Ok);
            Assert.Equal(0, node.Terminate());
        }
        var victim = RecordAt(store, 0, 500_000);
        Overwrite(store, victim.Offset + 200, [0x00, 0xFF, 0x00, 0xFF]); // body bytes: framing intact, only the CRC can tell

        using var again = StandaloneNode.OnStore(store, "--config", config); // clean stop: recovery starts at the checkpoint, past the damage
        var consumed = await ConsumeAsync(again, "Flipped", "after-flip", "f1", 2000);
        Assert.True(consumed.GetProperty("unique").GetInt64() == 1999, $"victim seq {victim.Seq}; consumed {consumed}\nnode output:\n{again.Process.StandardOutput}");
        Assert.Equal(victim.Seq, Assert.Single(consumed.GetProperty("missing_seqs").EnumerateArray()).GetInt64());
        await MultiProcess.AwaitAsync(() => Task.FromResult(again.Process.StandardOutput.Contains($"commit-log offset {victim.Offset}, {victim.Size} bytes")),
            "the broker logging the skipped corrupt record", TimeSpan.FromSeconds(10));
        Assert.Contains("skipped a corrupt record", again.Process.StandardOutput);
    }
}
