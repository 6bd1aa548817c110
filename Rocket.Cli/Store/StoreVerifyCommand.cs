using System.CommandLine;
using Rocket.Cli.Commands.Shared;
using Rocket.Store;
using Rocket.Store.Recovery;

namespace Rocket.Cli.Store;

/// <summary>
/// <c>rocket store verify --store DIR</c>: checks a stopped store offline (<see cref="StoreVerifier"/>) and lists
/// damaged log ranges and consume-queue entries that lead nowhere valid. Exit codes: 0 clean, 1 damage found
/// (<see cref="ExitCodes.Failed"/>), 2 bad command line, 3 the store cannot be checked (locked by a running node,
/// not a store, unreadable).
/// </summary>
public static class StoreVerifyCommand
{
    public static Command Create()
    {
        var dir = new Option<string>("--store") { Description = "Store directory (rocket.store.dir) of a stopped node", Required = true };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (snake_case keys) on stdout" };
        var command = new Command("verify", "Check a stopped store offline: every record's framing and CRC, consume queues, damaged ranges")
        {
            dir, json,
        };
        command.SetAction(parse => Run(parse.GetValue(dir)!, parse.GetValue(json),
            parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
        return command;
    }

    private static int Run(string directory, bool json, TextWriter stdout, TextWriter stderr)
    {
        StoreVerifyReport report;
        try
        {
            report = StoreVerifier.Verify(directory);
        }
        catch (Exception e) when (e is StoreException or IOException or UnauthorizedAccessException)
        {
            string message = e is StoreLockedException
                ? $"{e.Message}; stop the node first: verify only checks a stopped store"
                : e.Message;
            if (json) stdout.WriteLine(System.Text.Json.JsonSerializer.Serialize(new { error = message, exit_code = ExitCodes.Unavailable }, CliJson.Options));
            stderr.WriteLine($"rocket store verify: {message}");
            return ExitCodes.Unavailable;
        }

        int exitCode = report.Clean ? ExitCodes.Ok : ExitCodes.Failed;
        if (json)
        {
            stdout.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
            {
                store = report.Directory,
                clean = report.Clean,
                segments = report.Segments,
                log_start = report.LogStart,
                log_end = report.LogEnd,
                records = report.Records,
                damaged = report.Damaged.Select(Range),
                filled = report.Filled.Select(Range),
                queues = report.Queues,
                queue_entries = report.QueueEntries,
                bad_queue_entry_count = report.BadQueueEntryCount,
                bad_queue_entries = report.BadQueueEntries,
                exit_code = exitCode,
            }, CliJson.Options));
            return exitCode;
        }

        stdout.WriteLine($"store {report.Directory}: {report.Segments} segments, log [{report.LogStart}, {report.LogEnd}), {report.Records:N0} valid records, {report.Queues} queues with {report.QueueEntries:N0} entries");
        foreach (var r in report.Damaged)
            stdout.WriteLine($"{r.Kind}: {r.SegmentFile} [{r.Start}, {r.End}) {r.Bytes:N0} bytes, {r.RecordsAffected} consume-queue entries point into it");
        foreach (var r in report.Filled)
            stdout.WriteLine($"filled by an earlier recovery (quarantined, not damage): {r.SegmentFile} [{r.Start}, {r.End}) {r.Bytes:N0} bytes");
        foreach (var e in report.BadQueueEntries)
            stdout.WriteLine($"bad consume-queue entry: {e.Topic}/{e.QueueId} offset {e.QueueOffset} -> log {e.PhysicalOffset} ({e.Size} bytes): {e.Problem}");
        if (report.BadQueueEntryCount > report.BadQueueEntries.Count)
            stdout.WriteLine($"... {report.BadQueueEntryCount - report.BadQueueEntries.Count} more bad consume-queue entries");
        stdout.WriteLine(report.Clean ? "clean" : $"DAMAGED: {report.Damaged.Count} ranges, {report.BadQueueEntryCount} bad consume-queue entries");
        return exitCode;
    }

    private static object Range(VerifiedRange r) => new
    {
        kind = r.Kind, segment_file = r.SegmentFile, start = r.Start, end = r.End, bytes = r.Bytes, records_affected = r.RecordsAffected,
    };
}
