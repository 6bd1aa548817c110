using System.Net;
using System.Net.Sockets;

namespace Rocket.Tests.Support;

/// <summary>
/// Picks loopback ports nobody is listening on, below the kernel's ephemeral range where it can: a port from that range
/// (what binding to 0 gives) may be taken as the local end of any outgoing connection on the machine while a test
/// leaves it unbound, e.g. a seed started later or a killed process restarted on its own address (CI once saw a seed
/// refused its port that way). Each port is handed out once per test run.
/// </summary>
public static class FreePort
{
    public const int LowestPort = 10_000;
    private static readonly Lock Gate = new();
    private static readonly HashSet<int> Given = [];
    /// <summary>The first port the kernel hands to outgoing connections (<see cref="LowestPort"/> where unknown).</summary>
    public static int EphemeralLow { get; } = ReadEphemeralLow();

    public static int Next()
    {
        lock (Gate)
        {
            if (EphemeralLow - LowestPort >= 1_000)
            {
                for (int attempt = 0; attempt < 1_000; attempt++)
                {
                    int port = Random.Shared.Next(LowestPort, EphemeralLow);
                    if (!Given.Contains(port) && Bindable(port)) return Hand(port);
                }
            }
            for (int attempt = 0; attempt < 100; attempt++) // no room below the range: whatever the kernel gives
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                int port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (!Given.Contains(port)) return Hand(port);
            }
            throw new InvalidOperationException("no free loopback port found");
        }
    }

    private static int Hand(int port)
    {
        Given.Add(port);
        return port;
    }

    private static bool Bindable(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Linux's <c>ip_local_port_range</c>; elsewhere nothing is known.</summary>
    private static int ReadEphemeralLow()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return LowestPort; // no room below: Next falls back to the kernel's choice
        }
    }
}
