using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Architecture;

/// <summary>
/// The dependency direction of <c>Rocket.Actors</c> (docs/architecture.md), checked on the compiled assembly: every
/// type a type uses (signatures, fields, locals, and the types, methods and fields its IL names) counts, so an
/// implicit parent-namespace reference is caught as well as a <c>using</c>.
/// </summary>
public class NamespaceDependencyTests(ITestOutputHelper output)
{
    private static readonly NamespaceGraph Graph = NamespaceGraph.Of(typeof(Rocket.Protocol.IRocketMessage).Assembly);

    /// <summary>Namespace (and its children) that must not use the listed namespaces (and their children).</summary>
    public static TheoryData<string, string> ForbiddenDirections => new()
    {
        { "Rocket.Protocol", "Rocket.Store" }, { "Rocket.Protocol", "Rocket.Broker" }, { "Rocket.Protocol", "Rocket.Client" },
        { "Rocket.Protocol", "Rocket.Naming" }, { "Rocket.Protocol", "Rocket.Hosting" }, { "Rocket.Protocol", "Rocket.Serialization" },
        { "Rocket.Store", "Rocket.Broker" }, { "Rocket.Store", "Rocket.Client" }, { "Rocket.Store", "Rocket.Naming" },
        { "Rocket.Store", "Rocket.Hosting" }, { "Rocket.Store", "Rocket.Serialization" },
        { "Rocket.Client", "Rocket.Broker" }, { "Rocket.Client", "Rocket.Store" }, { "Rocket.Client", "Rocket.Naming" },
        { "Rocket.Client", "Rocket.Hosting" },
        { "Rocket.Broker", "Rocket.Client" }, { "Rocket.Broker", "Rocket.Hosting" },
        { "Rocket.Naming", "Rocket.Client" }, { "Rocket.Naming", "Rocket.Broker" }, { "Rocket.Naming", "Rocket.Store" },
        { "Rocket.Naming", "Rocket.Hosting" },
        { "Rocket.Serialization", "Rocket.Store" }, { "Rocket.Serialization", "Rocket.Broker" },
        { "Rocket.Serialization", "Rocket.Client" }, { "Rocket.Serialization", "Rocket.Hosting" },
        { "Rocket.Settings", "Rocket.Store" }, { "Rocket.Settings", "Rocket.Broker" }, { "Rocket.Settings", "Rocket.Client" },
        { "Rocket.Settings", "Rocket.Naming" }, { "Rocket.Settings", "Rocket.Hosting" }, { "Rocket.Settings", "Rocket.Protocol" },
        { "Rocket.Settings", "Rocket.Serialization" }, { "Rocket.Settings", "Rocket.Threading" },
        { "Rocket.Threading", "Rocket.Store" }, { "Rocket.Threading", "Rocket.Broker" }, { "Rocket.Threading", "Rocket.Client" },
        { "Rocket.Threading", "Rocket.Naming" }, { "Rocket.Threading", "Rocket.Hosting" }, { "Rocket.Threading", "Rocket.Protocol" },
        { "Rocket.Threading", "Rocket.Serialization" }, { "Rocket.Threading", "Rocket.Settings" },
        // The failover coordinator sits beside the name server: it reads the broker table and talks the protocol.
        { "Rocket.Failover", "Rocket.Broker" }, { "Rocket.Failover", "Rocket.Store" }, { "Rocket.Failover", "Rocket.Client" },
        { "Rocket.Failover", "Rocket.Hosting" },
        { "Rocket.Protocol", "Rocket.Failover" }, { "Rocket.Naming", "Rocket.Failover" }, { "Rocket.Broker", "Rocket.Failover" },
        { "Rocket.Store", "Rocket.Failover" }, { "Rocket.Client", "Rocket.Failover" },
        // The data channel is transport: wire format and sockets below the broker and the client that both use it.
        { "Rocket.DataChannel", "Rocket.Broker" }, { "Rocket.DataChannel", "Rocket.Client" }, { "Rocket.DataChannel", "Rocket.Store" },
        { "Rocket.DataChannel", "Rocket.Naming" }, { "Rocket.DataChannel", "Rocket.Hosting" }, { "Rocket.DataChannel", "Rocket.Failover" },
        { "Rocket.Protocol", "Rocket.DataChannel" }, { "Rocket.Serialization", "Rocket.DataChannel" }, { "Rocket.Store", "Rocket.DataChannel" },
    };

    [Theory]
    [MemberData(nameof(ForbiddenDirections))]
    public void A_lower_layer_does_not_use_a_higher_one(string from, string to)
    {
        var offending = Graph.Edges
            .Where(e => NamespaceGraph.IsWithin(e.From, from) && NamespaceGraph.IsWithin(e.To, to))
            .Select(e => $"{e.From} -> {e.To} (e.g. {e.Example})")
            .ToList();
        Assert.True(offending.Count == 0, $"{from} must not use {to}:\n" + string.Join("\n", offending));
    }

    [Fact]
    public void Namespaces_have_no_dependency_cycle()
    {
        foreach (var line in Graph.Edges.OrderBy(e => e.From).ThenBy(e => e.To)) output.WriteLine($"{line.From} -> {line.To}");
        AssertNoCycle(Graph.Cycles());
    }

    [Fact]
    public void Areas_have_no_dependency_cycle() => AssertNoCycle(Graph.Areas().Cycles());

    private static void AssertNoCycle(IReadOnlyList<IReadOnlyList<string>> cycles) =>
        Assert.True(cycles.Count == 0, "namespace cycles (each a strongly connected group, with the edges inside it):\n" +
            string.Join("\n\n", cycles.Select(c => string.Join("\n", c))));

    [Fact]
    public void The_graph_sees_what_the_assembly_uses()
    {
        // Guards the test itself: if the IL walk found nothing, the checks above could not fail.
        Assert.Contains(Graph.Edges, e => e.From == "Rocket.Broker" && e.To == "Rocket.Protocol");
        Assert.Contains(Graph.Edges, e => e.From == "Rocket.Serialization" && e.To == "Rocket.Protocol");
        // Rocket.Store.Log uses Rocket.Store (its parent) without a using directive: only an IL-level walk sees it.
        Assert.Contains(Graph.Edges, e => e.From == "Rocket.Store.Log" && e.To == "Rocket.Store");
        var planted = NamespaceGraph.OfEdges([("A", "B", "x"), ("B", "C", "y"), ("C", "A", "z"), ("C", "D", "w")]);
        Assert.Single(planted.Cycles());
        // The loop the store had (Log -> Journal -> Store -> Log) is a cycle between two rooms and is caught.
        var storeLoop = NamespaceGraph.OfEdges([
            ("R.Store.Log", "R.Store.Journal", "AppendResult"), ("R.Store.Journal", "R.Store", "MessageStore"),
            ("R.Store", "R.Store.Log", "CommitLog"), ("R.Store.Journal", "R.Store.Log", "CommitLog")]);
        Assert.Single(storeLoop.Cycles());
        // A room using its area's root (and the root composing it) is not a cycle.
        Assert.Empty(NamespaceGraph.OfEdges([("R.Store.Log", "R.Store", "x"), ("R.Store", "R.Store.Log", "y")]).Cycles());
        Assert.Single(NamespaceGraph.OfEdges([("R.A.X", "R.B", "x"), ("R.B.Y", "R.A", "y")]).Areas().Cycles());
    }
}
