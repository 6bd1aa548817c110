using System.Net;
using System.Net.Sockets;

namespace Rocket.Protocol;

/// <summary>
/// The address a listener binds for a configured host name (akka.remote.dot-netty.tcp.hostname): every interface
/// for an empty name, the literal address, or what the name resolves to, IPv4 first as Akka resolves it unless
/// dns-use-ipv6 is on. Shared by the node's port check and the broker's data channel, so both bind the same address.
/// </summary>
public static class ListenAddress
{
    /// <exception cref="SocketException">The name does not resolve.</exception>
    /// <exception cref="InvalidOperationException">The name resolves to no address.</exception>
    public static IPAddress Resolve(string hostname) =>
        string.IsNullOrEmpty(hostname) ? IPAddress.Any
        : IPAddress.TryParse(hostname, out var address) ? address
        : Dns.GetHostAddresses(hostname).OrderBy(a => a.AddressFamily != AddressFamily.InterNetwork).First();
}
