using Akka.Event;
using Rocket.Hosting;
using Xunit;

namespace Rocket.Tests.Hosting;

public class NodeLoggerTests
{
    /// <summary>Akka.Remote's own exception type (internal), as its endpoint writer throws it.</summary>
    private static Exception PeerClosed() => (Exception)Activator.CreateInstance(
        typeof(Akka.Remote.RemoteTransport).Assembly.GetType("Akka.Remote.EndpointDisassociatedException", throwOnError: true)!,
        System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public,
        null, ["Disassociated"], null)!;

    [Fact]
    public void A_peer_closing_its_connection_is_logged_at_info_without_the_stack_trace()
    {
        var error = new Error(PeerClosed(), "akka://rocket/system/endpointManager/writer", typeof(NodeLoggerTests), "Disassociated");

        var logged = NodeLogger.Downgraded(error);

        var info = Assert.IsType<Info>(logged);
        Assert.Null(info.Cause);
        Assert.Equal(error.LogSource, info.LogSource);
        Assert.Contains("peer connection closed", info.Message.ToString());
    }

    [Fact]
    public void A_failed_association_with_a_closed_peer_stays_a_warning_on_one_line()
    {
        var text = "Association with remote system akka.tcp://c@127.0.0.1:1 has failed; address is now gated for 5000 ms. " +
            "Reason is: [Akka.Remote.EndpointDisassociatedException: Disassociated\n   at Akka.Remote.EndpointWriter.PublishAndThrow(Exception reason)\n]";
        var warning = new Warning("src", typeof(NodeLoggerTests), text);

        var logged = Assert.IsType<Warning>(NodeLogger.Downgraded(warning));

        Assert.DoesNotContain("\n", logged.Message.ToString());
        Assert.StartsWith("Association with remote system akka.tcp://c@127.0.0.1:1 has failed", logged.Message.ToString());
    }

    [Fact]
    public void Every_other_event_is_logged_as_it_is()
    {
        var other = new Error(new InvalidOperationException("broken"), "src", typeof(NodeLoggerTests), "broken");
        var plain = new Error(null, "src", typeof(NodeLoggerTests), "no cause");
        var warning = new Warning("src", typeof(NodeLoggerTests), "careful");

        Assert.Same(other, NodeLogger.Downgraded(other));
        Assert.Same(plain, NodeLogger.Downgraded(plain));
        Assert.Same(warning, NodeLogger.Downgraded(warning));
    }

    [Fact]
    public void Seeds_and_brokers_log_through_it()
    {
        var config = Rocket.Hosting.NodeConfig.Build(Rocket.Hosting.NodeRole.Broker, new NodeOptions());
        Assert.Equal([typeof(NodeLogger).FullName + ", Rocket.Actors"], config.GetStringList("akka.loggers"));
    }
}
