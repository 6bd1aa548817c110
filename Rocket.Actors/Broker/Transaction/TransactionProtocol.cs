namespace Rocket.Broker.Transaction;

/// <summary>
/// Asks the transaction actor for its ledger's figures and the live producers of <paramref name="Group"/> (tests,
/// diagnostics); answered with <see cref="TransactionLedgerState"/>.
/// </summary>
public sealed record GetTransactionLedger(string? Group = null);

/// <param name="HalfProgress">First half-queue offset not known to be settled.</param>
/// <param name="OpProgress">First op-queue offset still needed after a restart.</param>
/// <param name="Tracked">Half messages at or after HalfProgress with op records (settled or checked).</param>
/// <param name="Producers">Live producers of the asked group (empty when none was asked).</param>
public sealed record TransactionLedgerState(long HalfProgress, long OpProgress, int Tracked, string[] Producers);

/// <summary>Runs a check round now (tests); the periodic one runs every transaction-check-interval.</summary>
public sealed class RunTransactionCheckNow
{
    public static readonly RunTransactionCheckNow Instance = new();
    private RunTransactionCheckNow() { }
}
