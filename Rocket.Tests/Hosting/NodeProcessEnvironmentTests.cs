using Rocket.Hosting;
using Xunit;

namespace Rocket.Tests.Hosting;

/// <summary>On a dictionary, not the test process's environment: other tests start processes that inherit it.</summary>
public sealed class NodeProcessEnvironmentTests
{
    [Fact]
    public void Socket_completions_are_inlined_unless_the_operator_said_otherwise()
    {
        var unset = new Dictionary<string, string>();
        NodeProcessEnvironment.Apply(k => unset.GetValueOrDefault(k), (k, v) => unset[k] = v);
        Assert.Equal("1", unset[NodeProcessEnvironment.InlineSocketCompletions]);

        var operatorSet = new Dictionary<string, string> { [NodeProcessEnvironment.InlineSocketCompletions] = "0" };
        NodeProcessEnvironment.Apply(k => operatorSet.GetValueOrDefault(k), (k, v) => operatorSet[k] = v);
        Assert.Equal("0", operatorSet[NodeProcessEnvironment.InlineSocketCompletions]);
    }
}
