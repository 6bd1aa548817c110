namespace Rocket.Client.Producing;

/// <summary>What a produce answer that does not fit its request is reported as.</summary>
internal static class ProduceAnswers
{
    public static RocketSendException CountMismatch(string brokerName, int results, int messages) =>
        new($"broker {brokerName} answered {results} results for {messages} messages", Rocket.Protocol.ProduceStatus.UnknownError);
}
