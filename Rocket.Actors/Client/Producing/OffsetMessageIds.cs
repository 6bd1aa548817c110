using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Rocket.Protocol;

namespace Rocket.Client.Producing;

/// <summary>
/// Builds the offset message id of each stored message from the storing broker's address and the physical offset its
/// answer carries. The address part is worked out once per broker path (a host name is resolved then), so a send adds
/// only the offset's digits.
/// </summary>
internal static class OffsetMessageIds
{
    private static readonly ConcurrentDictionary<string, string?> Prefixes = new(StringComparer.Ordinal);

    /// <summary>The ids of <paramref name="results"/>, comma-separated for a batch; null when the broker's host has no address.</summary>
    public static string? For(string brokerPath, ArraySegment<Rocket.Protocol.ProduceResult> results)
    {
        if (Prefixes.GetOrAdd(brokerPath, PrefixOf) is not { } prefix) return null;
        if (results.Count == 1) return OffsetMessageId.WithPrefix(prefix, results[0].PhysicalOffset);
        return string.Join(',', results.Select(r => OffsetMessageId.WithPrefix(prefix, r.PhysicalOffset)));
    }

    /// <summary>The id of the message at <paramref name="physicalOffset"/> on the broker at <paramref name="brokerPath"/>.</summary>
    public static string? For(string brokerPath, long physicalOffset) =>
        Prefixes.GetOrAdd(brokerPath, PrefixOf) is { } prefix ? OffsetMessageId.WithPrefix(prefix, physicalOffset) : null;

    private static string? PrefixOf(string brokerPath)
    {
        var (addresses, port) = OffsetMessageId.ResolveActorAddress(brokerPath);
        var address = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
        return address is null ? null : OffsetMessageId.Prefix(address, port);
    }
}
