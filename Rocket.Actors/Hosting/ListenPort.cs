using System.Net;
using System.Net.Sockets;
using Rocket.Protocol;

namespace Rocket.Hosting;

/// <summary>
/// The address a node's remoting listens on, and whether it is free. Two nodes on one port would split clients'
/// connections between two independent brokers (issue 8): the transport itself refuses a taken port
/// (<c>akka.remote.dot-netty.tcp.tcp-reuse-addr = off</c> in node.conf), and this check, made before the store opens,
/// turns the common case into one clear line instead of Akka's stack traces.
/// </summary>
public sealed record ListenPort(string Hostname, int Port)
{
    public static ListenPort FromConfig(Akka.Configuration.Config config) => new(
        config.GetString("akka.remote.dot-netty.tcp.hostname") is { Length: > 0 } host ? host : IPAddress.Any.ToString(),
        config.GetInt("akka.remote.dot-netty.tcp.port"));

    /// <summary>
    /// Null when the port can be listened on now (or is 0: the system picks one); otherwise the error line. Binds
    /// without .NET's ReuseAddress (SO_REUSEPORT on Linux), so any other listener on the port makes it fail.
    /// </summary>
    public string? Problem()
    {
        if (Port == 0) return null;
        IPAddress address;
        try { address = ListenAddress.Resolve(Hostname); }
        catch (Exception e) when (e is SocketException or InvalidOperationException)
        {
            return $"cannot listen on {Hostname}:{Port}: the host name does not resolve ({e.Message}; akka.remote.dot-netty.tcp.hostname)";
        }
        using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Bind(new IPEndPoint(address, Port));
            probe.Listen(1);
            return null;
        }
        catch (SocketException e) { return Describe(e); }
    }

    /// <summary>
    /// <see cref="Problem"/>, asked again for up to <paramref name="patience"/> while the port is taken (a new
    /// incarnation's predecessor may still be closing its listener).
    /// </summary>
    public async Task<string?> ProblemAsync(TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            var problem = Problem();
            if (problem is null || DateTime.UtcNow >= deadline) return problem;
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// The error line when <paramref name="startFailure"/> (what starting the actor system threw) is the transport failing
    /// to bind this port, e.g. because another process took it after <see cref="Problem"/> said it was free.
    /// </summary>
    public string? BindFailure(Exception startFailure) => FindSocketFailure(startFailure) is { } e ? Describe(e) : null;

    private static SocketException? FindSocketFailure(Exception? e) => e switch
    {
        null => null,
        SocketException socket => socket,
        AggregateException all => all.InnerExceptions.Select(FindSocketFailure).FirstOrDefault(found => found is not null),
        _ => FindSocketFailure(e.InnerException),
    };

    private string Describe(SocketException e) => e.SocketErrorCode == SocketError.AddressAlreadyInUse
        ? $"port {Port} on {Hostname} is already in use ({e.Message}): is another Rocket node running there? choose another --port / akka.remote.dot-netty.tcp.port"
        : $"cannot listen on port {Port} on {Hostname}: {e.Message} (akka.remote.dot-netty.tcp.hostname / port)";
}
