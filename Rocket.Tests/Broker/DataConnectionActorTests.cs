using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.TestKit;
using Rocket.Broker.DataChannel;
using Rocket.Broker.Produce;
using Rocket.DataChannel;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Broker;

/// <summary>The broker's end of a data channel connection, fed raw bytes over a loopback socket, with a probe as the produce actor.</summary>
public sealed class DataConnectionActorTests : Akka.TestKit.Xunit2.TestKit
{
    public DataConnectionActorTests() : base(Rocket.Tests.Support.TestKitConfig.Reference) { }

    private static byte[] Frames(params object[] messages)
    {
        var frames = new List<byte>();
        foreach (var message in messages)
        {
            var frame = new byte[DataFrames.SizeOf(message)];
            DataFrames.Write(message, frame);
            frames.AddRange(frame);
        }
        return frames.ToArray();
    }

    private static ProduceRequest Request(long id) =>
        new(id, [new WireMessage("T", 0, Encoding.UTF8.GetBytes($"m{id}"), null, 0, 1)]);

    [Fact]
    public async Task The_produce_requests_of_one_write_reach_the_produce_actor_together_in_order_and_a_lone_one_alone()
    {
        var (client, server) = await LoopbackSockets.PairAsync();
        using var _ = client;
        var produce = CreateTestProbe();
        Sys.ActorOf(DataConnectionActor.Props(server, produce.Ref, CreateTestProbe().Ref));

        await client.SendAsync(DataFrames.Hello.ToArray().Concat(Frames(Request(1), Request(2), Request(3))).ToArray(), SocketFlags.None);
        // One write of a few hundred bytes arrives in one read on loopback; should TCP still split it, the requests
        // come in two messages, never three.
        var together = new List<ChannelProduceRequests>();
        while (together.Sum(m => m.Requests.Length) < 3) together.Add(produce.ExpectMsg<ChannelProduceRequests>());
        Assert.Equal([1L, 2L, 3L], together.SelectMany(m => m.Requests).Select(r => r.RequestId));
        Assert.True(together.Count < 3, "each request of one write came to the produce actor on its own");
        Assert.Equal(client.LocalEndPoint, together[0].BornHost);

        await client.SendAsync(Frames(Request(4)), SocketFlags.None);
        Assert.Equal(4L, produce.ExpectMsg<ChannelProduceRequests>().Requests.Single().RequestId);
    }
}
