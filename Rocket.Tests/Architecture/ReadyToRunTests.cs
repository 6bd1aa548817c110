using System.Reflection.PortableExecutable;
using Rocket.Client;
using Xunit;

namespace Rocket.Tests.Architecture;

/// <summary>
/// Rocket.Actors is built with ReadyToRun code (Rocket.Actors/ReadyToRun.targets), so an application's first sends
/// run optimised code instead of tier 0 (docs/performance.md, "Seventeenth round"). The assembly these tests load is
/// the one every referencing project copies.
/// </summary>
public class ReadyToRunTests
{
    private const uint ReadyToRunSignature = 0x00525452; // "RTR": READYTORUN_HEADER.Signature

    [Fact]
    public void The_built_assembly_carries_ReadyToRun_code_beside_its_IL()
    {
        var path = typeof(RocketClient).Assembly.Location;
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var cor = pe.PEHeaders.CorHeader!;

        Assert.True(cor.ManagedNativeHeaderDirectory.Size > 0,
            $"{path} has no ReadyToRun header: it was built as IL only (RocketReadyToRun=false, or crossgen2 was missing; the build says which)");
        var header = pe.GetSectionData(cor.ManagedNativeHeaderDirectory.RelativeVirtualAddress).GetReader();
        Assert.Equal(ReadyToRunSignature, header.ReadUInt32());
        Assert.True(cor.Flags.HasFlag(CorFlags.ILLibrary), "a ReadyToRun image is flagged as an IL library");
        Assert.True(pe.HasMetadata, "the IL and metadata stay, for other platforms and runtime versions");
    }
}
