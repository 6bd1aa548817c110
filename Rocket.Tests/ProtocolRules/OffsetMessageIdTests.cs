using System.Net;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Rocket.Protocol;
using Xunit;

namespace Rocket.Tests.ProtocolRules;

public class OffsetMessageIdTests
{
    private static readonly Gen<IPAddress> AddressGen = Gen.OneOf(
        Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), 4).Select(b => new IPAddress(b)),
        Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), 16).Select(b => new IPAddress(b)).Where(a => !a.IsIPv4MappedToIPv6));

    [Property(MaxTest = 300)]
    public Property Address_port_and_offset_round_trip() =>
        Prop.ForAll(AddressGen.ToArbitrary(), Gen.Choose(1, 65535).ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (address, port, seed) =>
        {
            long offset = (long)seed * 4099 + seed % 7; // reaches beyond 32 bits
            string id = OffsetMessageId.Encode(address, port, offset);
            bool decoded = OffsetMessageId.TryDecode(id, out var endPoint, out long decodedOffset, out var problem);
            return decoded && problem is null && endPoint.Address.Equals(address) && endPoint.Port == port && decodedOffset == offset
                   && id.Length == (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 56)
                   && id == id.ToUpperInvariant()
                   && OffsetMessageId.WithPrefix(OffsetMessageId.Prefix(address, port), offset) == id;
        });

    [Fact]
    public void The_layout_is_RocketMQs_ip_port_offset_big_endian()
    {
        Assert.Equal("7F000001" + "00000FD5" + "0000000000012345", OffsetMessageId.Encode(IPAddress.Loopback, 4053, 0x12345));
    }

    [Theory]
    [InlineData("")]
    [InlineData("7F00000100000FD5000000000001234")]   // 31 digits
    [InlineData("7F00000100000FD50000000000012345Z")] // not hex
    [InlineData("7F000001000000000000000000001234")]  // port 0
    [InlineData("7F00000100000FD5FFFFFFFFFFFFFFFF")]  // negative offset
    public void Anything_else_does_not_decode_and_says_why(string id)
    {
        Assert.False(OffsetMessageId.TryDecode(id, out _, out _, out var problem));
        Assert.False(string.IsNullOrEmpty(problem));
    }

    [Fact]
    public void An_akka_address_resolves_to_its_ip_and_port()
    {
        var (addresses, port) = OffsetMessageId.ResolveActorAddress("akka.tcp://rocket@127.0.0.1:4053/user/broker");
        Assert.Equal([IPAddress.Loopback], addresses);
        Assert.Equal(4053, port);
        Assert.Empty(OffsetMessageId.ResolveActorAddress("not an address").Addresses);
    }
}
