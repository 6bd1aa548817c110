using Akka.Event;

namespace Rocket.Hosting;

/// <summary>
/// Akka's stdout logger for seeds and brokers, with one change: a peer that closes its connection (a client that
/// stops, a node that leaves) is logged at INFO, not as an ERROR with a stack trace. Akka.Remote's endpoint writer
/// sometimes learns of a closed connection by its reader's death and fails with "Disassociated"; that is how clients
/// come and go on a broker, not a fault, and an ERROR must mean something went wrong. Every other event is unchanged.
/// </summary>
public sealed class NodeLogger : DefaultLogger
{
    private const string PeerClosedException = "Akka.Remote.EndpointDisassociatedException";

    protected override void Print(LogEvent logEvent) => base.Print(Downgraded(logEvent));

    internal static LogEvent Downgraded(LogEvent logEvent)
    {
        if (logEvent is Error { Cause: { } cause } error && cause.GetType().FullName == PeerClosedException)
            return new Info(error.LogSource, error.LogClass, $"peer connection closed ({cause.Message}); the association ends");
        // "Association with remote system ... has failed; address is now gated" carries the same exception's stack
        // trace inside its text: keep the warning, on one line.
        if (logEvent is Warning warning && warning.Message?.ToString() is { } text && text.Contains(PeerClosedException)
            && text.IndexOf('\n') is var newline and > 0)
            return new Warning(warning.LogSource, warning.LogClass, text[..newline].TrimEnd() + " ...]");
        return logEvent;
    }
}
