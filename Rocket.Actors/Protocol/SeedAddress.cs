namespace Rocket.Protocol;

/// <summary>A contact point "host:port" of a seed (or broker); the names behind it are <see cref="ClusterNames"/>.</summary>
public readonly record struct SeedAddress(string Host, int Port)
{
    public static SeedAddress Parse(string text)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), out int port) || port is <= 0 or > 65535)
            throw new Akka.Configuration.ConfigurationException($"seed '{text}' is not host:port (for example 127.0.0.1:4053)");
        return new SeedAddress(text[..colon], port);
    }

    /// <summary>The path of the name server actor on this contact point.</summary>
    public string NameServerPath => ClusterNames.NameServerPath(Host, Port);

    /// <summary>The failover coordinator's proxy on this contact point (seeds and standalone nodes have one).</summary>
    public string FailoverProxyPath => $"{NodeAddress}/user/{FailoverNames.Proxy}";

    /// <summary>The address of the actor system on this contact point.</summary>
    public string NodeAddress => ClusterNames.NodeAddress(Host, Port);

    public override string ToString() => $"{Host}:{Port}";
}
