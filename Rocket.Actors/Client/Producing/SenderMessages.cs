using Rocket.Protocol;

namespace Rocket.Client.Producing;

/// <summary>
/// Messages that must travel together (one send, or one batch) and the caller waiting for their results.
/// <see cref="Bytes"/> counts bodies and properties, for the coalescing byte cap. The broker sender fails
/// <see cref="Reply"/> with a <see cref="TimeoutException"/> once <see cref="Deadline"/> (UTC) passes,
/// so a send needs no timer of its own.
/// </summary>
/// <remarks>The send is its own completion source (one object fewer per send than a record holding one).</remarks>
internal sealed class PendingSend : TaskCompletionSource<ProduceResult[]>
{
    private PendingSend(WireMessage[] messages, int bytes, DateTime deadline) : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        Messages = messages;
        Bytes = bytes;
        Deadline = deadline;
    }

    public WireMessage[] Messages { get; }
    public int Bytes { get; }
    public DateTime Deadline { get; }
    public TaskCompletionSource<ProduceResult[]> Reply => this;

    public static PendingSend Create(WireMessage[] messages, DateTime deadline)
    {
        int bytes = 0;
        foreach (var m in messages) bytes += m.Body.Length + (m.Properties?.Length ?? 0) * 2;
        return new PendingSend(messages, bytes, deadline);
    }
}

/// <summary>Asks a broker sender for its counters (tests, diagnostics); answered with <see cref="BrokerSenderStats"/>.</summary>
internal sealed record GetBrokerSenderStats
{
    public static readonly GetBrokerSenderStats Instance = new();
}

internal sealed record BrokerSenderStats(int InFlightRequests, int QueuedSends, long RequestsSent);
