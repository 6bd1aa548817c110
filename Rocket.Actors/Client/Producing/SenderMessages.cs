using Rocket.Protocol;

namespace Rocket.Client.Producing;

/// <summary>
/// Messages that must travel together (one send, or one batch) and the caller waiting for their results.
/// <paramref name="Bytes"/> counts bodies and properties, for the coalescing byte cap. The broker sender fails
/// <paramref name="Reply"/> with a <see cref="TimeoutException"/> once <paramref name="Deadline"/> (UTC) passes,
/// so a send needs no timer of its own.
/// </summary>
internal sealed record PendingSend(WireMessage[] Messages, int Bytes, DateTime Deadline, TaskCompletionSource<ProduceResult[]> Reply)
{
    public static PendingSend Create(WireMessage[] messages, DateTime deadline)
    {
        int bytes = 0;
        foreach (var m in messages) bytes += m.Body.Length + (m.Properties?.Length ?? 0) * 2;
        return new PendingSend(messages, bytes, deadline, new TaskCompletionSource<ProduceResult[]>(TaskCreationOptions.RunContinuationsAsynchronously));
    }
}

/// <summary>Asks a broker sender for its counters (tests, diagnostics); answered with <see cref="BrokerSenderStats"/>.</summary>
internal sealed record GetBrokerSenderStats
{
    public static readonly GetBrokerSenderStats Instance = new();
}

/// <param name="RequestsOverDataChannel">Of <paramref name="RequestsSent"/>, those sent over the broker's data channel.</param>
/// <param name="DataChannelOpen">Whether the data channel is connected now.</param>
internal sealed record BrokerSenderStats(int InFlightRequests, int QueuedSends, long RequestsSent, long RequestsOverDataChannel = 0, bool DataChannelOpen = false);
