namespace Rocket.Protocol;

/// <summary>
/// The names every Rocket process agrees on: seeds and brokers run one actor system of this name, and each of them
/// hosts the name server at the same path, so a client needs only a host:port to reach it.
/// </summary>
public static class ClusterNames
{
    /// <summary>The actor system name of every seed and broker process.</summary>
    public const string SystemName = "rocket";

    /// <summary>The name server's actor name under <c>/user</c>.</summary>
    public const string NameServer = "nameserver";

    /// <summary>The remote address of a cluster node's actor system.</summary>
    public static string NodeAddress(string host, int port) => $"akka.tcp://{SystemName}@{host}:{port}";

    /// <summary>The path of the name server on a cluster node.</summary>
    public static string NameServerPath(string host, int port) => $"{NodeAddress(host, port)}/user/{NameServer}";
}
