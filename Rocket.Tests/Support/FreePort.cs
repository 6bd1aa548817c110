using System.Net;
using System.Net.Sockets;

namespace Rocket.Tests.Support;

/// <summary>Picks loopback ports nobody is listening on (bind to 0, read, release).</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
