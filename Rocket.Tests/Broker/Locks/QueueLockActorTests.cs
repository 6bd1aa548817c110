using Akka.Actor;
using Rocket.Broker.Locks;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Broker.Locks;

/// <summary>The broker's queue lock table (RocketMQ's lockBatchMQ / unlockBatchMQ) on a hand-moved clock.</summary>
public class QueueLockActorTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan MaxLive = TimeSpan.FromSeconds(60);
    private static readonly LockedQueue Q0 = new("Orders", 0), Q1 = new("Orders", 1), Q2 = new("Orders", 2);
    private readonly ManualTime _time = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
    private readonly IActorRef _locks;

    public QueueLockActorTests() : base(Rocket.Tests.Support.TestKitConfig.Reference) =>
        _locks = Sys.ActorOf(QueueLockActor.Props(MaxLive, _time));

    private LockedQueue[] Lock(string client, params LockedQueue[] queues)
    {
        _locks.Tell(new LockBatchRequest("G1", client, queues));
        var result = ExpectMsg<LockBatchResult>();
        Assert.Equal("G1", result.Group);
        return result.Locked;
    }

    private LockedQueue[] Unlock(string client, params LockedQueue[] queues)
    {
        _locks.Tell(new UnlockBatchRequest("G1", client, queues));
        return ExpectMsg<UnlockBatchResult>().Unlocked;
    }

    [Fact]
    public void Free_queues_are_granted_and_a_held_one_is_refused_to_another_client()
    {
        Assert.Equal([Q0, Q1], Lock("c1", Q0, Q1));
        Assert.Equal([Q2], Lock("c2", Q0, Q1, Q2));
        Assert.Equal([Q0, Q1], Lock("c1", Q0, Q1)); // the holder is granted again (a renewal)
    }

    [Fact]
    public void Locks_of_different_groups_do_not_meet()
    {
        Assert.Equal([Q0], Lock("c1", Q0));
        _locks.Tell(new LockBatchRequest("G2", "c2", [Q0]));
        Assert.Equal([Q0], ExpectMsg<LockBatchResult>().Locked);
    }

    [Fact]
    public void A_lock_not_renewed_within_the_max_live_time_expires_and_another_client_takes_it()
    {
        Assert.Equal([Q0], Lock("c1", Q0));
        _time.Advance(MaxLive);
        Assert.Empty(Lock("c2", Q0)); // exactly 60 s: still held
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([Q0], Lock("c2", Q0));
        Assert.Empty(Lock("c1", Q0)); // the old holder lost it
    }

    [Fact]
    public void Renewing_restarts_the_expiry()
    {
        Assert.Equal([Q0], Lock("c1", Q0));
        _time.Advance(TimeSpan.FromSeconds(40));
        Assert.Equal([Q0], Lock("c1", Q0)); // renewed at 40 s
        _time.Advance(TimeSpan.FromSeconds(40)); // 80 s after the first lock, 40 s after the renewal
        Assert.Empty(Lock("c2", Q0));
        _time.Advance(TimeSpan.FromSeconds(21));
        Assert.Equal([Q0], Lock("c2", Q0));
    }

    [Fact]
    public void Unlock_releases_only_the_clients_own_locks_and_frees_them_at_once()
    {
        Assert.Equal([Q0, Q1], Lock("c1", Q0, Q1));
        Assert.Empty(Unlock("c2", Q0, Q1)); // not c2's
        Assert.Empty(Lock("c2", Q0));
        Assert.Equal([Q0], Unlock("c1", Q0));
        Assert.Equal([Q0], Lock("c2", Q0)); // no expiry wait
        Assert.Empty(Lock("c2", Q1));        // still c1's
        Assert.Empty(Unlock("c1", Q2));      // never locked
    }
}
