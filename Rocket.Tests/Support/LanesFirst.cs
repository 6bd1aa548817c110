using Xunit;
using Xunit.Abstractions;

[assembly: TestCollectionOrderer("Rocket.Tests.Support.LanesFirst", "Rocket.Tests")]

namespace Rocket.Tests.Support;

/// <summary>
/// Starts the multi-process lanes before the unit-test classes. xunit's default (conservative) parallel runner gives
/// each running collection one of its maxParallelThreads slots, in the order collections start: lanes started after
/// the unit classes waited minutes for a slot, then ran end to end while the machine was half idle. Started first,
/// each lane has its slot from the beginning and the unit classes share the rest (xunit.runner.json).
/// </summary>
public sealed class LanesFirst : ITestCollectionOrderer
{
    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(c => MultiProcess.Lanes.Contains(c.DisplayName) ? 0 : 1); // stable: the rest keep xunit's order
}
