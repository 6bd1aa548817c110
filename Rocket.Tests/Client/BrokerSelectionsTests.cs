using Akka.Actor;
using Akka.TestKit.Xunit2;
using Rocket.Client.Routing;
using Xunit;

namespace Rocket.Tests.Client;

public sealed class BrokerSelectionsTests : TestKit
{
    [Fact]
    public void A_path_is_made_into_a_selection_once_and_reaches_its_actor()
    {
        var broker = CreateTestProbe();
        var other = CreateTestProbe();
        var selections = new BrokerSelections(Sys);
        string path = broker.Ref.Path.ToString();

        var first = selections.For(path);
        Assert.Same(first, selections.For(path));
        Assert.NotSame(first, selections.For(other.Ref.Path.ToString()));

        first.Tell("commit", TestActor);
        broker.ExpectMsg("commit");
        selections.For(other.Ref.Path.ToString()).Tell("heartbeat", TestActor);
        other.ExpectMsg("heartbeat");
    }
}
