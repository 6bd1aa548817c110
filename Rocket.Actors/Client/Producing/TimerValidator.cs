using System.Runtime.CompilerServices;

namespace Rocket.Client.Producing;

/// <summary>Client-side checks of a timer message's delivery time (<see cref="Message.DeliverAt"/> / <see cref="Message.DeliverAfter"/>).</summary>
internal static class TimerValidator
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Validate(Message message, long maxDelaySec)
    {
        if (message.DeliverAt is not null && message.DeliverAfter is not null)
            throw new RocketClientException($"the message for topic '{message.Topic}' sets both DeliverAt and DeliverAfter; set one of them");
        if (message.DeliverAfter is { } after && after < TimeSpan.Zero)
            throw new RocketClientException($"DeliverAfter {after} of the message for topic '{message.Topic}' is negative");
        var delay = message.DeliverAfter ?? (message.DeliverAt is { } at ? at - DateTimeOffset.UtcNow : null);
        if (delay is { } d && d.TotalSeconds > maxDelaySec)
            throw new RocketClientException(
                $"the message for topic '{message.Topic}' asks for delivery {d.TotalSeconds:F0} s from now, beyond timer-max-delay-sec = {maxDelaySec} (rocket.client.timer-max-delay-sec)");
    }

    /// <summary>The TIMER_DELIVER_MS to send (epoch ms), or null for a message without a delivery time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long? DeliverMs(Message message) =>
        message.DeliverAt?.ToUnixTimeMilliseconds()
        ?? (message.DeliverAfter is { } after ? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + (long)after.TotalMilliseconds : null);
}
