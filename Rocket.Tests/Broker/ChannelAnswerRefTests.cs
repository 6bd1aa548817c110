using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Rocket.Broker.DataChannel;
using Rocket.Broker.Pull;
using Rocket.DataChannel;
using Rocket.Protocol;
using Xunit;

namespace Rocket.Tests.Broker;

/// <summary>The mailbox-less answer address of data channel requests.</summary>
public sealed class ChannelAnswerRefTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly ActorPath Puller = ActorPath.Parse("akka.tcp://client@127.0.0.1:5000/user/push-1/queue-3");

    private IActorRefProvider Provider => ((ExtendedActorSystem)Sys).Provider;

    [Fact]
    public async Task Produce_and_pull_answers_go_onto_the_connection_without_the_connection_actor()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var server = await listener.AcceptSocketAsync();
        var received = System.Threading.Channels.Channel.CreateUnbounded<object>();
        var serverEnd = new DataConnection(server, isClient: false, _ => { }, _ => { });
        var clientEnd = new DataConnection(client, isClient: true, m => received.Writer.TryWrite(m), _ => { });
        serverEnd.Start();
        clientEnd.Start();
        var connectionActor = CreateTestProbe();
        var answers = new ChannelAnswerRef(serverEnd, connectionActor.Ref, Puller, Provider);

        answers.Tell(new ProduceResponse(7, [new ProduceResult(ProduceStatus.Ok, 1, 0, 0, 100, null)]));
        answers.Tell(new PullResponse(8, PullStatus.NoNewMessage, "T", 3, 0, 0, 0, [], null));
        Assert.Equal(7, Assert.IsType<ProduceResponse>(await received.Reader.ReadAsync().AsTask().WaitAsync(Patience)).RequestId);
        Assert.Equal(8, Assert.IsType<PullResponse>(await received.Reader.ReadAsync().AsTask().WaitAsync(Patience)).RequestId);
        connectionActor.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        serverEnd.Close("test over");
        clientEnd.Close("test over");
    }

    [Fact]
    public void Answers_a_closed_connection_no_longer_takes_and_other_messages_go_to_the_connection_actor()
    {
        var connection = new DataConnection(new Socket(SocketType.Stream, ProtocolType.Tcp), isClient: false, _ => { }, _ => { });
        connection.Close("closed before the answer");
        var connectionActor = CreateTestProbe();
        var answers = new ChannelAnswerRef(connection, connectionActor.Ref, Puller, Provider);

        answers.Tell(new ProduceResponse(7, []));
        Assert.Equal(7, connectionActor.ExpectMsg<ProduceResponse>().RequestId);
        answers.Tell(new Status.Failure(new InvalidOperationException("not an answer")));
        connectionActor.ExpectMsg<Status.Failure>();
    }

    [Fact]
    public void A_consumer_that_left_covers_its_pullers_channel_answer_refs_and_no_one_elses()
    {
        var connection = new DataConnection(new Socket(SocketType.Stream, ProtocolType.Tcp), isClient: false, _ => { }, _ => { });
        var answers = new ChannelAnswerRef(connection, CreateTestProbe().Ref, Puller, Provider);

        Assert.True(new ReleaseHolds(ActorPath.Parse("akka.tcp://client@127.0.0.1:5000/user/push-1")).Covers(answers));
        Assert.False(new ReleaseHolds(ActorPath.Parse("akka.tcp://client@127.0.0.1:5000/user/push-2")).Covers(answers));
        Assert.False(new ReleaseHolds(ActorPath.Parse("akka.tcp://client@127.0.0.1:5001/user/push-1")).Covers(answers));
        connection.Close("test over");
    }
}
