using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Rocket.Cli.Commands.Shared;
using Rocket.Client;
using Rocket.Protocol;

namespace Rocket.Cli.Commands.Transaction;

/// <summary>What <c>rocket send --transaction</c> makes the local transaction answer.</summary>
public enum TransactionMode
{
    Commit,
    Rollback,
    /// <summary>Unknown first; the check-back answers commit.</summary>
    CheckCommit,
    /// <summary>Unknown first; the check-back answers rollback.</summary>
    CheckRollback,
}

/// <summary>
/// <c>rocket send --transaction MODE</c>: sends every message in a transaction of producer group <c>--group</c>, the
/// local transaction answering as <see cref="TransactionMode"/> says, then keeps answering check-backs until the broker
/// acknowledged an end for every message it stored (or <c>--timeout</c> passes).
/// </summary>
public sealed class TransactionSend : ITransactionListener
{
    public sealed record Report(
        string Topic, string Mode, string Transaction, string Group, int Size, long Count, long Sent, long Failed, double ElapsedMs, double MsgsPerS,
        double MbPerS, double? P50Us, double? P99Us, double? P999Us, double? MaxUs, string? VerifyId, long Committed, long RolledBack, long Checked,
        long Unsettled, string[] Errors);

    private const int ErrorsKept = 5;
    private readonly SendPlan _plan;
    private readonly TransactionMode _mode;
    private readonly byte[] _body;
    private readonly ConcurrentDictionary<string, LocalTransactionState> _settled = new();
    private readonly ConcurrentDictionary<string, byte> _stored = new();
    private readonly ConcurrentDictionary<string, byte> _checked = new();
    private readonly ConcurrentDictionary<string, byte> _errors = new();
    private long _next, _failed;

    public TransactionSend(SendPlan plan, TransactionMode mode)
    {
        _plan = plan;
        _mode = mode;
        _body = new byte[plan.Size];
        Random.Shared.NextBytes(_body);
    }

    public Latency Latency { get; } = new();
    public long Sent => _stored.Count;
    public long Failed => Interlocked.Read(ref _failed);
    public long Completed => Sent + Failed;
    public long Unsettled => _stored.Keys.Count(id => !_settled.ContainsKey(id));

    /// <summary>The final outcome this run gives a transaction (directly, or when checked back).</summary>
    private LocalTransactionState Final => _mode is TransactionMode.Rollback or TransactionMode.CheckRollback
        ? LocalTransactionState.RollbackMessage : LocalTransactionState.CommitMessage;

    public LocalTransactionState ExecuteLocalTransaction(Message message, object? arg) =>
        _mode is TransactionMode.Commit or TransactionMode.Rollback ? Final : LocalTransactionState.Unknown;

    public LocalTransactionState CheckLocalTransaction(ReceivedMessage message)
    {
        if (message.MessageId is { } id) _checked.TryAdd(id, 0);
        return Final;
    }

    public static async Task<int> RunAsync(CliContext cli, RocketClient client, SendPlan plan, TransactionMode mode, string group, TimeSpan timeout,
        CancellationToken cancel)
    {
        var run = new TransactionSend(plan, mode);
        await using var producer = client.CreateTransactionProducer(group, run);
        producer.CheckBackEnded += run.OnCheckBackEnded;
        cli.Info($"sending {plan.Count:N0} x {plan.Size} B to {plan.Topic} in transactions ({Name(mode)}, producer group {group}, {plan.Concurrency} in flight)");
        var watch = Stopwatch.StartNew();
        var sending = Task.WhenAll(Enumerable.Range(0, (int)Math.Min(plan.Concurrency, plan.Count))
            .Select(_ => Task.Run(() => run.Worker(producer, cancel), CancellationToken.None)));
        await ProgressDisplay.TrackAsync(cli.Err, "sent", plan.Count, () => run.Completed, sending);
        await sending;
        var elapsed = watch.Elapsed;
        if (run.Unsettled > 0 && !cancel.IsCancellationRequested)
        {
            cli.Info($"sent {run.Sent:N0} half messages; waiting for check-backs to settle {run.Unsettled:N0} (up to {timeout.TotalSeconds:0.#} s)");
            var deadline = DateTime.UtcNow + timeout;
            while (run.Unsettled > 0 && DateTime.UtcNow < deadline && !cancel.IsCancellationRequested)
                await Task.Delay(100, CancellationToken.None);
        }
        var report = run.ToReport(group, elapsed);
        foreach (var e in run._errors.Keys) cli.Err.WriteLine($"send error: {e}");
        if (cli.Json) cli.WriteJson(report);
        else
        {
            cli.Out.WriteLine($"sent {report.Sent:N0} of {report.Count:N0} ({report.Failed:N0} failed) in transactions in {report.ElapsedMs / 1000:F2} s: " +
                              $"{report.Committed:N0} committed, {report.RolledBack:N0} rolled back, {report.Checked:N0} checked back, {report.Unsettled:N0} unsettled");
            cli.Out.WriteLine($"latency per transaction: {run.Latency.Summary()}");
        }
        if (report.Unsettled > 0) cli.Error($"{report.Unsettled} transaction(s) not settled within --timeout {timeout.TotalSeconds:0.#} s");
        return report.Failed == 0 && report.Sent == report.Count && report.Unsettled == 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private async Task Worker(TransactionProducer producer, CancellationToken cancel)
    {
        while (!cancel.IsCancellationRequested)
        {
            long seq = Interlocked.Increment(ref _next) - 1;
            if (seq >= _plan.Count) return;
            long started = Stopwatch.GetTimestamp();
            try
            {
                var result = await producer.SendMessageInTransactionAsync(Build(seq)).ConfigureAwait(false);
                Latency.RecordSince(started);
                _stored.TryAdd(result.Send.MessageId, 0);
                if (result.EndStatus is EndTransactionStatus.Committed or EndTransactionStatus.RolledBack or EndTransactionStatus.AlreadySettled
                    && result.LocalState != LocalTransactionState.Unknown)
                    _settled.TryAdd(result.Send.MessageId, result.LocalState);
                else if (result.EndError is { } endError && _errors.Count < ErrorsKept) _errors.TryAdd(endError, 0);
            }
            catch (Exception e)
            {
                Interlocked.Increment(ref _failed);
                if (_errors.Count < ErrorsKept) _errors.TryAdd(e.Message, 0);
            }
        }
    }

    private void OnCheckBackEnded(CheckBackEnd end)
    {
        if (end.MessageId is null || end.State == LocalTransactionState.Unknown) return;
        if (end.Status is EndTransactionStatus.Committed or EndTransactionStatus.RolledBack or EndTransactionStatus.AlreadySettled)
            _settled.TryAdd(end.MessageId, end.State);
    }

    private Message Build(long seq)
    {
        var message = new Message(_plan.Topic, _body) { Tags = _plan.Tag, Keys = _plan.Keys };
        if (_plan.VerifyId is not null)
        {
            message.Properties[VerifyProperties.Id] = _plan.VerifyId;
            message.Properties[VerifyProperties.Seq] = seq.ToString(CultureInfo.InvariantCulture);
        }
        return message;
    }

    private Report ToReport(string group, TimeSpan elapsed)
    {
        double seconds = Math.Max(elapsed.TotalSeconds, 1e-9);
        var latency = Latency.Summary();
        // Only messages this run stored count: a check-back may also ask about an earlier run's message of the group.
        var outcomes = _stored.Keys.Select(id => _settled.TryGetValue(id, out var s) ? s : LocalTransactionState.Unknown).ToArray();
        return new Report(_plan.Topic, "sync", Name(_mode), group, _plan.Size, _plan.Count, Sent, Failed, elapsed.TotalMilliseconds, Sent / seconds,
            Sent * (double)_plan.Size / 1e6 / seconds, latency.P50Us, latency.P99Us, latency.P999Us, latency.MaxUs, _plan.VerifyId,
            outcomes.Count(s => s == LocalTransactionState.CommitMessage), outcomes.Count(s => s == LocalTransactionState.RollbackMessage),
            _stored.Keys.Count(_checked.ContainsKey), outcomes.Count(s => s == LocalTransactionState.Unknown), _errors.Keys.ToArray());
    }

    public static string Name(TransactionMode mode) => mode switch
    {
        TransactionMode.Commit => "commit",
        TransactionMode.Rollback => "rollback",
        TransactionMode.CheckCommit => "check-commit",
        _ => "check-rollback",
    };

    public static TransactionMode Parse(string name) => name switch
    {
        "commit" => TransactionMode.Commit,
        "rollback" => TransactionMode.Rollback,
        "check-commit" => TransactionMode.CheckCommit,
        "check-rollback" => TransactionMode.CheckRollback,
        _ => throw new ArgumentException($"--transaction {name}: expected commit, rollback, check-commit or check-rollback"),
    };
}
