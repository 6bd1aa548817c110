using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Rocket.DataChannel;
using Rocket.Protocol;
using Rocket.Tests.Serialization;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.DataChannel;

/// <summary>
/// Both ends of a data channel connection over real loopback sockets, and the frame format alone. Nothing here
/// blocks a thread while it waits: the connections' loops run on the thread pool that other test classes share.
/// </summary>
public sealed class DataConnectionTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>One end: what it received, in order, and why it closed.</summary>
    private sealed class End
    {
        private readonly Channel<object> _received = Channel.CreateUnbounded<object>();
        public readonly TaskCompletionSource<string> Closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public DataConnection Connection = null!;

        public void Add(object message) => _received.Writer.TryWrite(message);

        public async Task<object> NextAsync() => await _received.Reader.ReadAsync().AsTask().WaitAsync(Patience);
    }

    /// <summary>An end whose connection is not started yet.</summary>
    private static End Create(Socket socket, bool isClient)
    {
        var end = new End();
        end.Connection = new DataConnection(socket, isClient, end.Add, reason => end.Closed.TrySetResult(reason));
        return end;
    }

    private static End Open(Socket socket, bool isClient)
    {
        var end = Create(socket, isClient);
        end.Connection.Start();
        return end;
    }

    private static void CloseAll(params End[] ends)
    {
        foreach (var end in ends) end.Connection.Close("test over");
    }

    private static async Task<(End Client, End Broker)> ConnectedAsync()
    {
        var (client, server) = await LoopbackSockets.PairAsync();
        return (Open(client, isClient: true), Open(server, isClient: false));
    }

    /// <summary>Everything the channel carries: produce requests and results, pulls (with a puller path) and their answers.</summary>
    private static readonly Gen<object> ChannelTraffic = Gen.OneOf(
        WireGenerators.Message.Where(m => m is ProduceRequest or ProduceResponse or PullResponse).Select(m => (object)m),
        WireGenerators.Message.Where(m => m is PullRequest)
            .Select(m => (object)new PullFrame("akka.tcp://rocket-client@127.0.0.1:4711/user/push-1-1/queue-3", (PullRequest)m)));

    private static void AssertSame(object expected, object actual)
    {
        if (expected is PullFrame pull)
        {
            var back = Assert.IsType<PullFrame>(actual);
            Assert.Equal(pull.PullerPath, back.PullerPath);
            Assert.Equal(pull.Request, back.Request);
        }
        else WireAssert.Same((IRocketWire)expected, actual);
    }

    [Property(MaxTest = 300)]
    public Property Every_frame_kind_reads_back_as_written() =>
        Prop.ForAll(ChannelTraffic.ToArbitrary(), message =>
        {
            var frame = new byte[DataFrames.SizeOf(message)];
            DataFrames.Write(message, frame);
            Assert.Equal(frame.Length - DataFrames.LengthSize, BinaryPrimitives.ReadInt32LittleEndian(frame));
            AssertSame(message, DataFrames.Read(frame.AsSpan(DataFrames.LengthSize), new Rocket.Serialization.NameCache()));
        });

    [Fact]
    public async Task Everything_the_channel_carries_arrives_whole_and_in_order_both_ways()
    {
        foreach (var messages in ChannelTraffic.ArrayOf().Sample(20))
        {
            var (client, broker) = await ConnectedAsync();
            foreach (var m in messages) Assert.True(client.Connection.Post(m));
            foreach (var m in messages) AssertSame(m, await broker.NextAsync());
            foreach (var m in messages) Assert.True(broker.Connection.Post(m));
            foreach (var m in messages) AssertSame(m, await client.NextAsync());
            CloseAll(client, broker);
        }
    }

    [Fact]
    public async Task An_encoded_pull_answer_arrives_as_the_response_it_encodes_and_its_buffer_goes_back_once_written()
    {
        var (client, broker) = await ConnectedAsync();
        PulledMessage[] messages =
        [
            new(5, 100, 1_700_000_000_000, 1_700_000_000_010, 0, 0, "TAGS\u0001a", [1, 2, 3]),
            new(6, 1_300, 1_700_000_000_005, 1_700_000_000_011, 2, 7, null, [4]),
        ];
        var plain = new PullResponse(9, PullStatus.Found, "T", 1, 7, 0, 7, messages, SuggestBrokerId: 0);
        var encoded = Encode(plain);

        Assert.True(broker.Connection.Post(encoded));
        WireAssert.Same(plain, await client.NextAsync());
        // The write loop returned the buffer before the bytes left, so before they arrived.
        Assert.Throws<ObjectDisposedException>(() => encoded.Messages.Length);
        CloseAll(client, broker);
    }

    /// <summary>The answer's messages written as the broker's queue partition writes them from records.</summary>
    private static EncodedPullResponse Encode(PullResponse response)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(4096);
        var writer = new Rocket.Serialization.WireWriter(buffer);
        var deltas = Rocket.Serialization.PullResponseCodec.MessageDeltas.Start;
        foreach (var m in response.Messages)
        {
            Rocket.Serialization.PullResponseCodec.WriteMessageNumbers(ref writer, ref deltas, m.QueueOffset, m.PhysicalOffset,
                m.StoreTimestamp, m.BornTimestamp, m.ReconsumeTimes, m.Flag);
            writer.String(m.Properties);
            writer.Sequence(m.Body);
        }
        return new EncodedPullResponse(response with { Messages = [] }, response.Messages.Length, buffer, writer.Position);
    }

    [Fact]
    public async Task A_message_larger_than_the_read_and_write_buffers_arrives_between_small_ones()
    {
        var (client, broker) = await ConnectedAsync();
        var big = new byte[5 << 20];
        Random.Shared.NextBytes(big);
        var messages = new[]
        {
            new ProduceRequest(1, [new WireMessage("T", 0, [1, 2, 3], null, 0, 1)]),
            new ProduceRequest(2, [new WireMessage("T", 1, big, "KEYS\u0001k", 0, 2)]),
            new ProduceRequest(3, [new WireMessage("T", 2, [4], null, 0, 3)]),
        };
        foreach (var m in messages) client.Connection.Post(m);

        foreach (var m in messages) WireAssert.Same(m, await broker.NextAsync());
        client.Connection.Close("test over");
        Assert.Equal("closed by the other side", await broker.Closed.Task.WaitAsync(Patience));
    }

    [Fact]
    public async Task A_peer_that_does_not_open_with_the_hello_is_closed_with_what_it_sent()
    {
        var (client, server) = await LoopbackSockets.PairAsync();
        var broker = Open(server, isClient: false);
        await client.SendAsync("GET / HTTP/1.1\r\n"u8.ToArray());

        var reason = await broker.Closed.Task.WaitAsync(Patience);
        Assert.Contains("not a Rocket data channel client", reason);
        Assert.Contains(Convert.ToHexString("GET /"u8), reason);
        client.Dispose();
    }

    [Fact]
    public async Task A_frame_claiming_more_than_the_limit_closes_the_connection_before_anything_is_allocated()
    {
        var (client, server) = await LoopbackSockets.PairAsync();
        var broker = Open(server, isClient: false);
        var bytes = new byte[DataFrames.Hello.Length + 4];
        DataFrames.Hello.CopyTo(bytes);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(DataFrames.Hello.Length), int.MaxValue);
        await client.SendAsync(bytes);

        Assert.Contains($"a frame claimed {int.MaxValue} bytes", await broker.Closed.Task.WaitAsync(Patience));
        Assert.False(broker.Connection.Post(new ProduceResponse(1, [])));
        client.Dispose();
    }

    [Fact]
    public async Task An_unknown_frame_kind_or_a_truncated_message_closes_the_connection_naming_it()
    {
        foreach (var (kindAndBody, expected) in new (byte[], string)[]
                 {
                     ([9, 0], "unknown data channel frame kind 9"),
                     ([DataFrames.ProduceRequestKind, 2], "bad frame while reading"),
                 })
        {
            var (client, server) = await LoopbackSockets.PairAsync();
            var broker = Open(server, isClient: false);
            var bytes = new byte[DataFrames.Hello.Length + 4 + kindAndBody.Length];
            DataFrames.Hello.CopyTo(bytes);
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(DataFrames.Hello.Length), kindAndBody.Length);
            kindAndBody.CopyTo(bytes, DataFrames.Hello.Length + 4);
            await client.SendAsync(bytes);

            Assert.Contains(expected, await broker.Closed.Task.WaitAsync(Patience));
            client.Dispose();
        }
    }

    [Fact]
    public async Task Closing_one_end_is_reported_once_at_the_other_and_posting_afterwards_is_refused()
    {
        var (client, broker) = await ConnectedAsync();
        client.Connection.Close("done here");

        Assert.Equal("done here", await client.Closed.Task.WaitAsync(Patience));
        Assert.Equal("closed by the other side", await broker.Closed.Task.WaitAsync(Patience));
        Assert.False(client.Connection.Post(new ProduceRequest(1, [])));
        Assert.True(client.Connection.IsClosed);
    }

    [Fact]
    public async Task Frames_posted_from_many_threads_at_once_all_arrive_each_threads_in_its_order()
    {
        var (client, broker) = await ConnectedAsync();
        const int threads = 8, each = 2_000;
        var posting = Enumerable.Range(0, threads).Select(t => Task.Run(() =>
        {
            for (int i = 0; i < each; i++)
                Assert.True(client.Connection.Post(new ProduceRequest(t * 1_000_000L + i, [new WireMessage("T", t, new byte[1 + i % 700], null, 0, i)])));
        })).ToArray();
        await Task.WhenAll(posting).WaitAsync(Patience);

        var next = new int[threads];
        for (int n = 0; n < threads * each; n++)
        {
            var request = Assert.IsType<ProduceRequest>(await broker.NextAsync());
            int t = (int)(request.RequestId / 1_000_000), i = (int)(request.RequestId % 1_000_000);
            Assert.Equal(next[t]++, i);
            Assert.Equal(1 + i % 700, request.Messages[0].Body.Length);
        }
        Assert.All(next, n => Assert.Equal(each, n));
        CloseAll(client, broker);
    }

    [Fact]
    public async Task Posting_to_a_peer_that_does_not_read_never_blocks_and_it_gets_everything_once_it_reads()
    {
        var (clientSocket, serverSocket) = await LoopbackSockets.PairAsync();
        var client = Open(clientSocket, isClient: true);
        // Far more than the two socket buffers hold: a post that waited for the kernel to take its bytes would hang here.
        var body = new byte[64 << 10];
        const int count = 1_000;
        var posting = Task.Run(() =>
        {
            for (int i = 0; i < count; i++) Assert.True(client.Connection.Post(new ProduceRequest(i, [new WireMessage("T", 0, body, null, 0, i)])));
        });
        await posting.WaitAsync(Patience);

        var broker = Open(serverSocket, isClient: false); // starts reading only now
        for (int i = 0; i < count; i++) Assert.Equal(i, Assert.IsType<ProduceRequest>(await broker.NextAsync()).RequestId);
        CloseAll(client, broker);
    }

    [Fact]
    public async Task Frames_posted_before_the_connection_starts_follow_its_hello()
    {
        var (clientSocket, serverSocket) = await LoopbackSockets.PairAsync();
        var broker = Open(serverSocket, isClient: false);
        var client = Create(clientSocket, isClient: true);
        Assert.True(client.Connection.Post(new ProduceRequest(1, [])));
        Assert.True(client.Connection.Post(new ProduceRequest(2, [])));
        client.Connection.Start();

        Assert.Equal(1, Assert.IsType<ProduceRequest>(await broker.NextAsync()).RequestId);
        Assert.Equal(2, Assert.IsType<ProduceRequest>(await broker.NextAsync()).RequestId);
        Assert.False(broker.Closed.Task.IsCompleted);
        CloseAll(client, broker);
    }
}
