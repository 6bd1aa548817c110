namespace Rocket.Protocol;

/// <summary>
/// The errors for a client that sends to or pulls from a topic only the broker uses (<see cref="SystemTopics.IsInternal"/>),
/// one wording for client validation and broker alike.
/// </summary>
public static class InternalTopicRefusals
{
    /// <param name="broker">The refusing broker's name; null when the client refuses before sending.</param>
    public static string Send(string topic, string? broker = null) =>
        $"topic '{topic}' is internal to the broker{On(broker)}: clients cannot send to it (send to the real topic; use a delay level, a delivery time or a transaction instead)";

    public static string Pull(string topic, string? broker = null) =>
        $"topic '{topic}' is internal to the broker{On(broker)}: clients cannot pull from it (its messages reach their real topic when due or committed)";

    private static string On(string? broker) => broker is null ? "" : $" (refused by broker {broker})";
}
