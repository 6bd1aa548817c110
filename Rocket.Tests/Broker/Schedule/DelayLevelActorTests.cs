using System.Text;
using Akka.Actor;
using Akka.TestKit;
using Rocket.Broker.Metadata;
using Rocket.Broker.Schedule;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Store.Format;
using Rocket.Store.Log;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Broker.Schedule;

/// <summary>
/// One delay level against a real store holding parked messages, with probes standing in for the store actor (so the
/// test acknowledges or fails each append) and for the offsets actor (so it sees exactly when progress is committed),
/// and a clock the test moves.
/// </summary>
public sealed class DelayLevelActorTests : Akka.TestKit.Xunit2.TestKit
{
    private const int Level = 2;
    private const long DelayMs = 5000;
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(400);

    private readonly TempDirectory _dir = new("delay-level");
    private readonly MessageStore _store;
    private readonly TestProbe _storeActor;
    private readonly TestProbe _offsets;
    private long _now;

    public DelayLevelActorTests() : base(Rocket.Tests.Support.TestKitConfig.Reference)
    {
        _store = MessageStore.Open(TestMessages.SmallStore(_dir.Path) with { ScheduleDelaysMs = [1000, DelayMs] });
        _storeActor = CreateTestProbe("store");
        _offsets = CreateTestProbe("offsets");
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _store.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void Nothing_is_delivered_before_it_is_due_then_everything_due_in_order_and_progress_follows_the_acknowledgement()
    {
        var due = Park(("Orders", 3, "m0"), ("Orders", 1, "m1"), ("Other", 0, "m2"));
        _now = due[0] - 1;
        var level = Start(progress: -1);

        _storeActor.ExpectNoMsg(Quiet); // one ms early: nothing

        _now = due[2];
        level.Tell(DelayLevelActor.Wake.Instance);
        var batch = _storeActor.ExpectMsg<AppendBatch>();
        Assert.Equal(["m0", "m1", "m2"], batch.Messages.Select(m => Encoding.UTF8.GetString(m.Body.Span)));
        Assert.Equal(["Orders", "Orders", "Other"], batch.Messages.Select(m => m.Topic));
        Assert.Equal([3, 1, 0], batch.Messages.Select(m => m.QueueId));
        for (int i = 0; i < 3; i++)
        {
            var properties = MessageProperties.Decode(batch.Messages[i].Properties);
            Assert.Equal(due[i].ToString(), properties[MessageProperties.TimerOutMs]);
            Assert.Equal($"id-m{i}", properties[MessageProperties.UniqueKey]);
            Assert.Equal("TagA", properties[MessageProperties.Tags]);
            Assert.Equal("v", properties["user"]);
            Assert.False(properties.ContainsKey(MessageProperties.DelayLevel));
            Assert.False(properties.ContainsKey(MessageProperties.RealTopic));
            Assert.False(properties.ContainsKey(MessageProperties.RealQueueId));
            Assert.Equal(1_700_000_000_000 + i, batch.Messages[i].BornTimestamp);
            Assert.Equal(2, batch.Messages[i].ReconsumeTimes);
        }

        _offsets.ExpectNoMsg(Quiet); // not committed before the store acknowledged
        level.Tell(Appended(batch, AppendStatus.Ok, AppendStatus.Ok, AppendStatus.Ok), _storeActor);
        ExpectCommit(3);
    }

    [Fact]
    public void Only_the_due_head_goes_and_the_rest_waits()
    {
        var due = Park(("Orders", 0, "m0"));
        _now = due[0];
        SpinWait.SpinUntil(() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() > due[0] - DelayMs + 1); // the next one is stored later
        var later = Park(("Orders", 0, "m1"))[0];
        Assert.True(later > due[0], "the second message is stored later (a real clock ms later)");
        var level = Start(progress: -1);

        var batch = _storeActor.ExpectMsg<AppendBatch>();
        Assert.Equal(["m0"], batch.Messages.Select(m => Encoding.UTF8.GetString(m.Body.Span)));
        level.Tell(Appended(batch, AppendStatus.Ok), _storeActor);
        ExpectCommit(1);
        _storeActor.ExpectNoMsg(Quiet);

        _now = later;
        level.Tell(DelayLevelActor.Wake.Instance);
        Assert.Equal("m1", Encoding.UTF8.GetString(_storeActor.ExpectMsg<AppendBatch>().Messages.Single().Body.Span));
    }

    [Fact]
    public void A_restarted_level_resumes_from_its_stored_progress()
    {
        var due = Park(("Orders", 0, "m0"), ("Orders", 0, "m1"), ("Orders", 0, "m2"));
        _now = due[2];
        var level = Start(progress: 2);

        var batch = _storeActor.ExpectMsg<AppendBatch>();
        Assert.Equal(["m2"], batch.Messages.Select(m => Encoding.UTF8.GetString(m.Body.Span)));
        level.Tell(Appended(batch, AppendStatus.Ok), _storeActor);
        ExpectCommit(3);
    }

    [Fact]
    public void A_failed_append_is_retried_with_back_off_and_progress_waits_for_it()
    {
        var due = Park(("Orders", 0, "m0"), ("Orders", 0, "m1"), ("Orders", 0, "m2"));
        _now = due[2];
        var level = Start(progress: -1);

        var first = _storeActor.ExpectMsg<AppendBatch>();
        EventFilter.Warning(contains: "the store refused 1 of 3 due message(s)").ExpectOne(() =>
            level.Tell(Appended(first, AppendStatus.Ok, AppendStatus.ServiceNotAvailable, AppendStatus.Ok), _storeActor));
        _offsets.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        var retry = _storeActor.ExpectMsg<AppendBatch>(TimeSpan.FromSeconds(5));
        Assert.Equal(["m1"], retry.Messages.Select(m => Encoding.UTF8.GetString(m.Body.Span)));
        _offsets.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        level.Tell(Appended(retry, AppendStatus.Ok), _storeActor);
        ExpectCommit(3);
    }

    [Fact]
    public void A_message_whose_topic_is_gone_is_logged_and_passed()
    {
        var due = Park(("Gone", 0, "m0"), ("Orders", 0, "m1"));
        _now = due[1];
        EventFilter.Warning(contains: "its topic 'Gone' no longer exists").ExpectOne(() => Start(progress: -1));
        var batch = _storeActor.ExpectMsg<AppendBatch>();
        Assert.Equal(["m1"], batch.Messages.Select(m => Encoding.UTF8.GetString(m.Body.Span)));
    }

    [Fact]
    public void A_deliver_time_more_than_a_level_delay_ahead_means_the_clock_went_back_and_is_delivered_now()
    {
        var due = Park(("Orders", 0, "m0"));
        _now = due[0] - DelayMs - 1;
        EventFilter.Warning(contains: "the clock went back").ExpectOne(() => Start(progress: -1));
        var batch = _storeActor.ExpectMsg<AppendBatch>();
        Assert.Equal(_now.ToString(), MessageProperties.Get(batch.Messages[0].Properties, MessageProperties.TimerOutMs));
    }

    /// <summary>Stores the messages parked at this level (as ProduceActor does) and projects them; returns their deliver times.</summary>
    private long[] Park(params (string Topic, int QueueId, string Body)[] messages)
    {
        int first = (int)_store.GetMaxOffset(SystemTopics.Schedule, Level - 1);
        var batch = messages.Select((m, i) => DelayLevelRewrite.Park(new MessageToStore(m.Topic, m.QueueId, Encoding.UTF8.GetBytes(m.Body),
            $"TAGS\u0001TagA\u0002UNIQ_KEY\u0001id-{m.Body}\u0002DELAY\u0001{Level}\u0002user\u0001v\u0002",
            BornTimestamp: 1_700_000_000_000 + i, ReconsumeTimes: 2))).ToArray();
        var results = new AppendResult[batch.Length];
        _store.Append(batch, results);
        Assert.All(results, r => Assert.Equal(AppendStatus.Ok, r.Status));
        _store.Project(_store.ProjectionLimit);
        var queue = _store.ConsumeQueues.Find(SystemTopics.Schedule, Level - 1)!;
        return results.Select((r, i) =>
        {
            Assert.True(queue.TryGet(first + i, out var entry));
            Assert.Equal(r.StoreTimestamp + DelayMs, entry.TagCode); // the entry's tag code is its deliver time
            return entry.TagCode;
        }).ToArray();
    }

    private IActorRef Start(long progress)
    {
        var level = Sys.ActorOf(DelayLevelActor.Props(_store, _storeActor, _offsets, Level, DelayMs, () => Interlocked.Read(ref _now)));
        var query = _offsets.ExpectMsg<QueryOffset>();
        Assert.Equal((SystemTopics.ScheduleProgressGroup, SystemTopics.Schedule, Level - 1), (query.Group, query.Topic, query.QueueId));
        level.Tell(new OffsetAnswer(query.Group, query.Topic, query.QueueId, progress), _offsets);
        level.Tell(new TopicTableChanged(new Dictionary<string, TopicConfig>
        {
            ["Orders"] = new("Orders", 4, 4),
            ["Other"] = new("Other", 1, 1),
        }));
        return level;
    }

    private void ExpectCommit(long offset)
    {
        var commit = _offsets.ExpectMsg<CommitOffsets>();
        Assert.Equal(SystemTopics.ScheduleProgressGroup, commit.Group);
        Assert.Equal([new QueueOffset(SystemTopics.Schedule, Level - 1, offset)], commit.Offsets);
    }

    private static BatchAppended Appended(AppendBatch batch, params AppendStatus[] statuses) =>
        new(batch.BatchId, statuses.Select(s => new AppendResult(s, 0, 0, 0, 0, s == AppendStatus.Ok ? null : "disk full (test)")).ToArray());
}
