using Rocket.Protocol;

namespace Rocket.Client.Producing;

/// <summary>
/// Messages that must travel together (one send, or one batch) and the caller waiting for their results.
/// <paramref name="Bytes"/> counts bodies and properties, for the coalescing byte cap.
/// </summary>
internal sealed record PendingSend(WireMessage[] Messages, int Bytes, TaskCompletionSource<ProduceResult[]> Reply)
{
    public static PendingSend Create(WireMessage[] messages)
    {
        int bytes = 0;
        foreach (var m in messages) bytes += m.Body.Length + (m.Properties?.Length ?? 0) * 2;
        return new PendingSend(messages, bytes, new TaskCompletionSource<ProduceResult[]>(TaskCreationOptions.RunContinuationsAsynchronously));
    }
}

/// <summary>Routes a pending send to the sender of one broker, creating it on first use.</summary>
internal sealed record SendToBroker(string BrokerName, string BrokerPath, PendingSend Send);

/// <summary>Asks a broker sender for its counters (tests, diagnostics); answered with <see cref="BrokerSenderStats"/>.</summary>
internal sealed record GetBrokerSenderStats(string BrokerPath);

internal sealed record BrokerSenderStats(int InFlightRequests, int QueuedSends, long RequestsSent);
