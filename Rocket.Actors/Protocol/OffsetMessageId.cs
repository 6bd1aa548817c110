using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Rocket.Protocol;

/// <summary>
/// RocketMQ's offset message id (the broker's "msgId"): the storing broker's IP address (4 bytes, or 16 for IPv6), its
/// port (4 bytes) and the message's commit-log physical offset (8 bytes), big-endian, as uppercase hex: 32 digits for
/// IPv4, 56 for IPv6. Rocket's broker address is its cluster address (the host and port of its actor system), so the
/// id names the broker process and the record within its log. A host name is resolved to its first address.
/// </summary>
public static class OffsetMessageId
{
    public static string Encode(IPAddress address, int port, long physicalOffset)
    {
        ArgumentNullException.ThrowIfNull(address);
        var ip = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        Span<byte> bytes = stackalloc byte[ip.AddressFamily == AddressFamily.InterNetwork ? 16 : 28];
        int ipLength = bytes.Length - 12;
        if (!ip.TryWriteBytes(bytes[..ipLength], out _)) throw new ArgumentException($"cannot encode address {address}", nameof(address));
        BinaryPrimitives.WriteInt32BigEndian(bytes[ipLength..], port);
        BinaryPrimitives.WriteInt64BigEndian(bytes[(ipLength + 4)..], physicalOffset);
        return Convert.ToHexString(bytes);
    }

    /// <summary>The hex of address and port (the first 16 or 40 digits), to which each message's offset is appended.</summary>
    public static string Prefix(IPAddress address, int port) => Encode(address, port, 0)[..^16];

    /// <summary>The id of the message at <paramref name="physicalOffset"/>, given a <see cref="Prefix"/>.</summary>
    public static string WithPrefix(string prefix, long physicalOffset) =>
        string.Create(prefix.Length + 16, (prefix, physicalOffset), static (chars, state) =>
        {
            state.prefix.CopyTo(chars);
            state.physicalOffset.TryFormat(chars[state.prefix.Length..], out _, "X16"); // one string per send, no temporaries
        });

    /// <summary>Decodes an id; false (with the reason) when it is not 32 or 56 hex digits or holds a negative offset.</summary>
    public static bool TryDecode(string? id, out IPEndPoint endPoint, out long physicalOffset, out string? problem)
    {
        endPoint = new IPEndPoint(IPAddress.None, 0);
        physicalOffset = -1;
        if (id is null || (id.Length != 32 && id.Length != 56) || !id.All(char.IsAsciiHexDigit))
        {
            problem = "an offset message id is 32 hex digits (IPv4 broker) or 56 (IPv6)";
            return false;
        }
        var bytes = Convert.FromHexString(id);
        int ipLength = bytes.Length - 12;
        int port = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(ipLength));
        physicalOffset = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(ipLength + 4));
        if (port is < 1 or > 65535 || physicalOffset < 0)
        {
            problem = $"port {port} or offset {physicalOffset} is out of range";
            return false;
        }
        endPoint = new IPEndPoint(new IPAddress(bytes.AsSpan(0, ipLength)), port);
        problem = null;
        return true;
    }

    /// <summary>
    /// The IP addresses of an Akka address's host (<c>akka.tcp://system@host:port</c>) and its port; a host name is
    /// resolved (blocking: callers cache the answer). Empty when the address has no host or it does not resolve.
    /// </summary>
    public static (IPAddress[] Addresses, int Port) ResolveActorAddress(string actorAddress)
    {
        if (!Uri.TryCreate(actorAddress, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host) || uri.Port <= 0) return ([], 0);
        string host = uri.Host.Trim('[', ']');
        if (IPAddress.TryParse(host, out var literal)) return ([literal], uri.Port);
        try { return (Dns.GetHostAddresses(host), uri.Port); }
        catch (SocketException) { return ([], uri.Port); }
    }
}
