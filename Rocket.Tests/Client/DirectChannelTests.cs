using System.Threading.Channels;
using Rocket.Client;
using Rocket.Client.Producing;
using Rocket.DataChannel;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Client;

/// <summary>
/// A direct channel on a real loopback data channel, with the test as the broker: what sends and pulls put on the wire,
/// which answers they take, and that a close or a deadline leaves no send unanswered, even when the close races with
/// posting threads.
/// </summary>
public sealed class DirectChannelTests : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private const int Generation = 3;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly Channel<object> _atBroker = Channel.CreateUnbounded<object>();
    private readonly ChannelPulls _pulls = new();
    private DataConnection _client = null!;
    private DataConnection _broker = null!;
    private DirectChannel _direct = null!;

    public async Task InitializeAsync()
    {
        var (client, server) = await LoopbackSockets.PairAsync();
        _broker = new DataConnection(server, isClient: false, m => _atBroker.Writer.TryWrite(m), _ => { });
        _client = new DataConnection(client, isClient: true, m =>
        {
            if (m is PullResponse pulled) _pulls.Answer(pulled);
            else _direct.TryAnswer((ProduceResponse)m);
        }, _ => { });
        _direct = new DirectChannel(_client, "broker-a", sends: true, _pulls, Generation);
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

    private async Task<ProduceRequest> AtBrokerAsync() => (ProduceRequest)await _atBroker.Reader.ReadAsync().AsTask().WaitAsync(Patience);

    private static PullRequest Pull(long pullerId) => new(pullerId, "GroupA", "TopicA", 2, 40, 32, null, 15_000);

    private static PullResponse NothingNew(long id) =>
        new(id, PullStatus.NoNewMessage, "TopicA", 2, 40, 0, 40, []);

    [Fact]
    public async Task A_pull_goes_as_it_is_with_its_puller_s_path_and_its_answer_reaches_the_puller_as_it_came()
    {
        var puller = CreateTestProbe();
        var other = CreateTestProbe();

        Assert.True(_direct.TryPostPull(Pull(pullerId: 77), puller.Ref, "akka.tcp://client@127.0.0.1:1/user/puller-1"));
        Assert.True(_direct.TryPostPull(Pull(pullerId: 78), other.Ref, "akka.tcp://client@127.0.0.1:1/user/puller-2"));

        var frame = Assert.IsType<PullFrame>(await _atBroker.Reader.ReadAsync().AsTask().WaitAsync(Patience));
        Assert.Equal("akka.tcp://client@127.0.0.1:1/user/puller-1", frame.PullerPath);
        Assert.Equal(Pull(77), frame.Request);
        Assert.Equal(Pull(78), Assert.IsType<PullFrame>(await _atBroker.Reader.ReadAsync().AsTask().WaitAsync(Patience)).Request);
        _broker.Post(NothingNew(78));
        _broker.Post(NothingNew(77));
        Assert.Equal(78, (await other.ExpectMsgAsync<PullResponse>(Patience)).RequestId); // found by its id alone
        Assert.Equal(77, (await puller.ExpectMsgAsync<PullResponse>(Patience)).RequestId);
        await puller.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task A_pull_on_a_connection_that_then_closes_is_failed_over_with_its_generation_and_one_after_the_close_is_refused()
    {
        var puller = CreateTestProbe();
        Assert.True(_direct.TryPostPull(Pull(pullerId: 5), puller.Ref, "akka.tcp://client@127.0.0.1:1/user/puller-1"));
        _direct.Close(new RocketSendException("closed", ProduceStatus.ServiceNotAvailable));

        Assert.False(_direct.TryPostPull(Pull(pullerId: 6), puller.Ref, "akka.tcp://client@127.0.0.1:1/user/puller-1"));
        _pulls.Fail(Generation, "the channel closed"); // what the broker sender does when it hears of the close
        var lost = await puller.ExpectMsgAsync<PullChannelLost>(Patience);
        Assert.Equal(5, lost.RequestId); // the one that went out; the refused one was never in the table
        await puller.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void With_sends_off_a_send_is_refused_and_left_to_the_broker_sender_while_pulls_still_go()
    {
        var pullsOnly = new DirectChannel(_client, "broker-a", sends: false, _pulls, Generation);
        var send = Send();

        Assert.False(pullsOnly.TryPost(send));
        Assert.False(send.Task.IsCompleted);
        Assert.Equal(0, pullsOnly.Unanswered);
        Assert.True(pullsOnly.TryPostPull(Pull(1), CreateTestProbe().Ref, "akka.tcp://client@127.0.0.1:1/user/puller-1"));
    }

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
