namespace Rocket.Client;

/// <summary>A contact point "host:port"; the seed's actor system is always named "rocket".</summary>
public readonly record struct SeedAddress(string Host, int Port)
{
    public const string SystemName = "rocket";

    public static SeedAddress Parse(string text)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), out int port) || port is <= 0 or > 65535)
            throw new Akka.Configuration.ConfigurationException($"seed '{text}' is not host:port (for example 127.0.0.1:4053)");
        return new SeedAddress(text[..colon], port);
    }

    /// <summary>The path of the name server actor on this contact point.</summary>
    public string NameServerPath => $"akka.tcp://{SystemName}@{Host}:{Port}/user/nameserver";

    public override string ToString() => $"{Host}:{Port}";
}
