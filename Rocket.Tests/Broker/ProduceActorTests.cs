using System.Text;
using Akka.Actor;
using Akka.TestKit;
using Rocket.Broker;
using Rocket.Broker.Metadata;
using Rocket.Broker.Produce;
using Rocket.Broker.TopicDeletion;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Store.Log;

using Xunit;

namespace Rocket.Tests.Broker;

/// <summary>
/// The produce actor between probes standing for the journal and the topic config actor, so each step of a
/// coalesced request (which topic waits, which is written when) is seen exactly.
/// </summary>
public class ProduceActorTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly TestProbe _journal;
    private readonly TestProbe _topics;

    public ProduceActorTests() : base(Rocket.Tests.Support.TestKitConfig.Reference)
    {
        _journal = CreateTestProbe();
        _topics = CreateTestProbe();
    }

    private IActorRef Start(bool autoCreate, params TopicConfig[] topics)
    {
        var produce = Sys.ActorOf(ProduceActor.Props(new BrokerSettings { AutoCreateTopicEnable = autoCreate, DefaultTopicQueueNums = 4 },
            _journal.Ref, _topics.Ref));
        _journal.ExpectMsg<GetJournal>();
        produce.Tell(new TopicTableChanged(topics.ToDictionary(t => t.Name)));
        return produce;
    }

    private static WireMessage Wire(string topic, string body, int queueId = 0) => new(topic, queueId, Encoding.UTF8.GetBytes(body), null, 0, 1);

    private static string[] Bodies(AppendBatch batch) => batch.Messages.Select(m => Encoding.UTF8.GetString(m.Body.Span)).ToArray();

    /// <summary>The journal's answer: every message stored, queue offsets from <paramref name="firstOffset"/>.</summary>
    private void Store(AppendBatch batch, long firstOffset = 0) =>
        _journal.Reply(new BatchAppended(batch.BatchId,
            batch.Messages.Select((_, i) => new AppendResult(AppendStatus.Ok, firstOffset + i, 1000 + i, 5, 100)).ToArray()));

    [Fact]
    public void An_unknown_topic_fails_only_its_own_messages_when_auto_create_is_off()
    {
        var produce = Start(autoCreate: false, new TopicConfig("A", 4, 4), new TopicConfig("B", 4, 4));
        produce.Tell(new ProduceRequest(1, [Wire("A", "a0"), Wire("Nope", "x"), Wire("B", "b0"), Wire("A", "a1", queueId: 9)]));

        var batch = _journal.ExpectMsg<AppendBatch>();
        Assert.Equal(["a0", "b0"], Bodies(batch));
        Store(batch);
        var results = ExpectMsg<ProduceResponse>().Results;
        Assert.Equal([ProduceStatus.Ok, ProduceStatus.TopicNotExist, ProduceStatus.Ok, ProduceStatus.QueueIdIllegal], results.Select(r => r.Status));
        Assert.Contains("'Nope' does not exist", results[1].Error);
        Assert.Equal([0L, -1L, 1L, -1L], results.Select(r => r.QueueOffset));
        _topics.ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // nothing was to be created
    }

    [Fact]
    public void Auto_create_of_one_topic_delays_only_that_topics_messages()
    {
        var produce = Start(autoCreate: true, new TopicConfig("A", 4, 4));
        produce.Tell(new ProduceRequest(1, [Wire("A", "a0"), Wire("New", "n0"), Wire("A", "a1"), Wire("New", "n1")]));

        // A's messages go to the journal at once, while New is still being created.
        Assert.Equal(new EnsureTopic("New", 4), _topics.ExpectMsg<EnsureTopic>());
        var first = _journal.ExpectMsg<AppendBatch>();
        Assert.Equal(["a0", "a1"], Bodies(first));
        Store(first);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // one response per request: it waits for New

        // Another request for A meanwhile is not held up by New either.
        produce.Tell(new ProduceRequest(2, [Wire("A", "a2")]));
        var second = _journal.ExpectMsg<AppendBatch>();
        Store(second, firstOffset: 2);
        Assert.Equal(2, ExpectMsg<ProduceResponse>().RequestId);

        _topics.Reply(new TopicEnsured("New", new TopicConfig("New", 4, 4), null));
        var created = _journal.ExpectMsg<AppendBatch>();
        Assert.Equal(["n0", "n1"], Bodies(created));
        Store(created);
        var response = ExpectMsg<ProduceResponse>();
        Assert.Equal(1, response.RequestId);
        Assert.All(response.Results, r => Assert.Equal(ProduceStatus.Ok, r.Status));
        Assert.Equal([0L, 0L, 1L, 1L], response.Results.Select(r => r.QueueOffset));
    }

    [Fact]
    public void A_topic_that_cannot_be_created_fails_only_its_messages()
    {
        var produce = Start(autoCreate: true, new TopicConfig("A", 4, 4));
        produce.Tell(new ProduceRequest(1, [Wire("Bad", "x"), Wire("A", "a0")]));
        _topics.ExpectMsg<EnsureTopic>();
        Store(_journal.ExpectMsg<AppendBatch>());
        _topics.Reply(new TopicEnsured("Bad", null, "no room"));
        var results = ExpectMsg<ProduceResponse>().Results;
        Assert.Equal([ProduceStatus.TopicNotExist, ProduceStatus.Ok], results.Select(r => r.Status));
        Assert.Contains("could not be created: no room", results[0].Error);
    }

    [Fact]
    public void Messages_of_a_topic_being_deleted_wait_for_the_delete_and_then_go_to_a_new_empty_topic()
    {
        var produce = Start(autoCreate: true, new TopicConfig("T", 4, 4), new TopicConfig("A", 4, 4));
        produce.Tell(new HoldTopic("T"));
        ExpectMsg(new TopicHeld("T"));

        produce.Tell(new ProduceRequest(1, [Wire("T", "t0"), Wire("A", "a0")]));
        Assert.Equal(["a0"], Bodies(_journal.ExpectMsg<AppendBatch>()));
        _topics.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // no auto-create while the delete runs

        produce.Tell(new ReleaseTopic("T", Deleted: true));
        Assert.Equal(new EnsureTopic("T", 4), _topics.ExpectMsg<EnsureTopic>()); // T's config is gone: created anew
        _topics.Reply(new TopicEnsured("T", new TopicConfig("T", 4, 4), null));
        Assert.Equal(["t0"], Bodies(_journal.ExpectMsg<AppendBatch>()));
    }

    [Fact]
    public void Messages_of_a_topic_being_deleted_fail_with_its_name_when_auto_create_is_off()
    {
        var produce = Start(autoCreate: false, new TopicConfig("T", 4, 4));
        produce.Tell(new HoldTopic("T"));
        ExpectMsg<TopicHeld>();
        produce.Tell(new ProduceRequest(1, [Wire("T", "t0")]));
        var result = ExpectMsg<ProduceResponse>().Results.Single();
        Assert.Equal(ProduceStatus.TopicNotExist, result.Status);
        Assert.Contains("topic 'T' is being deleted", result.Error);

        produce.Tell(new ReleaseTopic("T", Deleted: true));
        produce.Tell(new ProduceRequest(2, [Wire("T", "t1")]));
        Assert.Contains("'T' does not exist", ExpectMsg<ProduceResponse>().Results.Single().Error);
        _journal.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_failed_delete_releases_the_topic_and_its_waiting_messages_are_written()
    {
        var produce = Start(autoCreate: true, new TopicConfig("T", 4, 4));
        produce.Tell(new HoldTopic("T"));
        ExpectMsg<TopicHeld>();
        produce.Tell(new ProduceRequest(1, [Wire("T", "t0")]));
        _journal.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        produce.Tell(new ReleaseTopic("T", Deleted: false));
        Store(_journal.ExpectMsg<AppendBatch>());
        Assert.Equal(ProduceStatus.Ok, ExpectMsg<ProduceResponse>().Results.Single().Status);
    }

    [Fact]
    public void Requests_one_socket_read_brought_go_to_the_journal_as_one_batch_and_each_gets_its_own_results()
    {
        var produce = Start(autoCreate: false, new TopicConfig("A", 4, 4));
        produce.Tell(new ChannelProduceRequests(
            [new ProduceRequest(1, [Wire("A", "a0"), Wire("A", "a1")]), new ProduceRequest(2, [Wire("Nope", "x"), Wire("A", "a2")]),
             new ProduceRequest(3, [Wire("A", "a3")])], BornHost: null));

        var batch = _journal.ExpectMsg<AppendBatch>();
        Assert.Equal(["a0", "a1", "a2", "a3"], Bodies(batch));
        Store(batch, firstOffset: 10);
        _journal.ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // one batch for all three
        var responses = Enumerable.Range(0, 3).Select(_ => ExpectMsg<ProduceResponse>()).OrderBy(r => r.RequestId).ToArray();
        Assert.Equal([10L, 11L], responses[0].Results.Select(r => r.QueueOffset));
        Assert.Equal([ProduceStatus.TopicNotExist, ProduceStatus.Ok], responses[1].Results.Select(r => r.Status));
        Assert.Equal(12L, responses[1].Results[1].QueueOffset);
        Assert.Equal(13L, responses[2].Results.Single().QueueOffset);
    }

    [Fact]
    public void Requests_told_one_by_one_go_to_the_journal_one_by_one_without_waiting_for_each_other()
    {
        var produce = Start(autoCreate: false, new TopicConfig("A", 4, 4));
        produce.Tell(new ProduceRequest(1, [Wire("A", "a0")]));
        Assert.Equal(["a0"], Bodies(_journal.ExpectMsg<AppendBatch>()));
        produce.Tell(new ProduceRequest(2, [Wire("A", "a1")]));
        Assert.Equal(["a1"], Bodies(_journal.ExpectMsg<AppendBatch>()));
    }

    [Fact]
    public void Messages_accepted_before_a_hold_reach_the_journal_before_the_hold_is_confirmed()
    {
        // The delete writes its tombstone once the hold is confirmed: a message accepted before must be in the log first.
        var produce = Sys.ActorOf(ProduceActor.Props(new BrokerSettings { AutoCreateTopicEnable = false }, _journal.Ref, _topics.Ref));
        _journal.ExpectMsg<GetJournal>();
        produce.Tell(new ProduceRequest(1, [Wire("T", "t0")])); // waits in the stash for the topic table
        produce.Tell(new TopicTableChanged(new Dictionary<string, TopicConfig> { ["T"] = new TopicConfig("T", 4, 4) }));
        produce.Tell(new HoldTopic("T"));
        ExpectMsg(new TopicHeld("T"));
        Assert.True(_journal.HasMessages, "the accepted message was not yet sent to the journal when the hold was confirmed");
        Assert.Equal(["t0"], Bodies(_journal.ExpectMsg<AppendBatch>()));
    }
}
