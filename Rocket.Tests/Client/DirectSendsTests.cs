using System.Threading.Channels;
using Rocket.Client;
using Rocket.Client.Producing;
using Rocket.DataChannel;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Client;

/// <summary>
/// Direct sends on a real loopback data channel, with the test as the broker: what goes out, which answers they take,
/// and that a close or a deadline leaves no send unanswered, even when the close races with posting threads.
/// </summary>
public sealed class DirectSendsTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly Channel<ProduceRequest> _atBroker = Channel.CreateUnbounded<ProduceRequest>();
    private DataConnection _client = null!;
    private DataConnection _broker = null!;
    private DirectSends _direct = null!;

    public async Task InitializeAsync()
    {
        var (client, server) = await LoopbackSockets.PairAsync();
        _broker = new DataConnection(server, isClient: false, m => _atBroker.Writer.TryWrite((ProduceRequest)m), _ => { });
        _client = new DataConnection(client, isClient: true, m => _direct.TryAnswer((ProduceResponse)m), _ => { });
        _direct = new DirectSends(_client, "broker-a");
        _broker.Start();
        _client.Start();
    }

    public Task DisposeAsync()
    {
        _client.Close("test over");
        _broker.Close("test over");
        return Task.CompletedTask;
    }

    private static PendingSend Send(int messages = 1, TimeSpan? within = null) => PendingSend.Create(
        Enumerable.Range(0, messages).Select(i => new WireMessage("TopicA", 0, [(byte)i], null, 0, 0)).ToArray(),
        DateTime.UtcNow + (within ?? TimeSpan.FromMinutes(1)));

    private static ProduceResult Stored(long offset) => new(ProduceStatus.Ok, 0, offset, offset * 100, 0, null);

    private async Task<ProduceRequest> AtBrokerAsync() => await _atBroker.Reader.ReadAsync().AsTask().WaitAsync(Patience);

    [Fact]
    public async Task Each_send_goes_as_its_own_request_and_the_answer_to_its_id_completes_it()
    {
        var first = Send(2);
        var second = Send();
        Assert.True(_direct.TryPost(first));
        Assert.True(_direct.TryPost(second));

        var one = await AtBrokerAsync();
        var two = await AtBrokerAsync();
        Assert.Equal(2, one.Messages.Length);
        Assert.Single(two.Messages);
        _broker.Post(new ProduceResponse(two.RequestId, [Stored(7)]));
        _broker.Post(new ProduceResponse(one.RequestId, [Stored(5), Stored(6)]));

        Assert.Equal(7, Assert.Single(await second.Task.WaitAsync(Patience)).QueueOffset);
        Assert.Equal([5L, 6L], (await first.Task.WaitAsync(Patience)).Select(r => r.QueueOffset));
        Assert.Equal(0, _direct.Unanswered);
    }

    [Fact]
    public void An_answer_to_a_request_it_did_not_post_is_left_to_the_broker_sender()
    {
        Assert.True(_direct.TryPost(Send()));

        Assert.False(_direct.TryAnswer(new ProduceResponse(-5, [Stored(1)])));
        Assert.Equal(1, _direct.Unanswered);
    }

    [Fact]
    public async Task An_answer_with_the_wrong_number_of_results_fails_the_send_naming_both_counts()
    {
        var send = Send(3);
        Assert.True(_direct.TryPost(send));
        var request = await AtBrokerAsync();
        _broker.Post(new ProduceResponse(request.RequestId, [Stored(1)]));

        var error = await Assert.ThrowsAsync<RocketSendException>(() => send.Task.WaitAsync(Patience));
        Assert.Equal("broker broker-a answered 1 results for 3 messages", error.Message);
        Assert.Equal(ProduceStatus.UnknownError, error.Status);
    }

    [Fact]
    public async Task Closing_fails_every_unanswered_send_with_the_given_error_and_refuses_later_posts()
    {
        var sends = Enumerable.Range(0, 5).Select(_ => Send()).ToArray();
        foreach (var s in sends) Assert.True(_direct.TryPost(s));
        var closed = new RocketSendException("the channel went away", ProduceStatus.ServiceNotAvailable);

        _direct.Close(closed);
        _direct.Close(new InvalidOperationException("a second close counts for nothing"));

        foreach (var s in sends) Assert.Same(closed, await Assert.ThrowsAsync<RocketSendException>(() => s.Task.WaitAsync(Patience)));
        var later = Send();
        Assert.False(_direct.TryPost(later));
        Assert.False(later.Task.IsCompleted); // not taken: the caller sends it the other way
    }

    [Fact]
    public async Task Checking_deadlines_fails_only_the_overdue_sends_and_a_late_answer_finds_nothing()
    {
        var overdue = Send(within: TimeSpan.FromMilliseconds(-1));
        var patient = Send();
        Assert.True(_direct.TryPost(overdue));
        Assert.True(_direct.TryPost(patient));
        var late = await AtBrokerAsync();

        _direct.FailOverdue(DateTime.UtcNow, () => new TimeoutException("no answer in time"));

        Assert.Equal("no answer in time", (await Assert.ThrowsAsync<TimeoutException>(() => overdue.Task.WaitAsync(Patience))).Message);
        Assert.False(patient.Task.IsCompleted);
        Assert.False(_direct.TryAnswer(new ProduceResponse(late.RequestId, [Stored(1)])));
    }

    [Fact]
    public async Task A_close_racing_with_posting_threads_leaves_every_taken_send_failed_and_every_refused_one_untouched()
    {
        const int Threads = 4;
        var taken = new System.Collections.Concurrent.ConcurrentBag<PendingSend>();
        var refused = new System.Collections.Concurrent.ConcurrentBag<PendingSend>();
        // Each thread posts until it has been refused a few times, so the close always lands among posts.
        var posters = Enumerable.Range(0, Threads).Select(_ => Task.Factory.StartNew(() =>
        {
            for (int refusals = 0; refusals < 10;)
            {
                var send = Send();
                if (_direct.TryPost(send)) taken.Add(send);
                else
                {
                    refused.Add(send);
                    refusals++;
                }
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        SpinWait.SpinUntil(() => taken.Count >= 1000);
        _direct.Close(new RocketSendException("closed under the posters", ProduceStatus.ServiceNotAvailable));
        await Task.WhenAll(posters).WaitAsync(Patience);

        Assert.Equal(Threads * 10, refused.Count);
        await Task.WhenAll(taken.Select(s => Assert.ThrowsAsync<RocketSendException>(() => s.Task.WaitAsync(Patience))));
        Assert.All(refused, s => Assert.False(s.Task.IsCompleted));
        Assert.Equal(0, _direct.Unanswered);
    }
}
