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
        Assert.True(FreePort.EphemeralLow > FreePort.LowestPort + 1_000, $"ephemeral range starts at {FreePort.EphemeralLow}"); // Linux, default range
        Assert.All(ports, p => Assert.InRange(p, FreePort.LowestPort, FreePort.EphemeralLow - 1));
        using var listener = new TcpListener(IPAddress.Loopback, ports[^1]);
        listener.Start(); // nobody holds it
    }
}
