using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Rocket.Tests.Support;

public sealed class FreePortTests
{
    [Fact]
    public void Ports_are_distinct_bindable_and_below_the_kernels_ephemeral_range()
    {
        var ports = Enumerable.Range(0, 50).Select(_ => FreePort.Next()).ToArray();

        Assert.Equal(ports.Length, ports.Distinct().Count());
        int ephemeralLow = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0]);
        if (ephemeralLow > 11_000) Assert.All(ports, p => Assert.InRange(p, 10_000, ephemeralLow - 1));
        using var listener = new TcpListener(IPAddress.Loopback, ports[^1]);
        listener.Start(); // nobody holds it
    }
}
