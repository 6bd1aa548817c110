using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Rocket.Broker;
using Rocket.Broker.Pull;
using Rocket.Broker.Replication;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Broker;

/// <summary>
/// suggestPullFromSlave (rocket.broker.slave-read-enable, access-message-in-memory-max-ratio): a master suggests slave 1
/// for a pull further behind its log's end than the ratio of memory, and the master otherwise; a slave suggests the
/// master unless that far behind; with the setting off a master suggests nothing, a slave the master.
/// </summary>
public sealed class PullSuggestionTests : Akka.TestKit.Xunit2.TestKit
{
    private const long Memory = 1000 * 100; // 1000 bytes per percent
    private readonly TempDirectory _dir = new("suggest");

    public PullSuggestionTests() : base(TestKitConfig.Reference) { }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _dir.Dispose();
    }

    [Theory]
    // role, slave-read-enable, log end, pulled at (-1: read nothing) → suggestion (-1: none)
    [InlineData(BrokerRole.AsyncMaster, false, 1_000_000, 0, -1)]  // off: a master never suggests
    [InlineData(BrokerRole.SyncMaster, false, 1_000_000, -1, -1)]
    [InlineData(BrokerRole.AsyncMaster, true, 40_001, 0, 1)]       // 40 % of 100 000 is 40 000 bytes: one byte further is behind
    [InlineData(BrokerRole.AsyncMaster, true, 40_000, 0, 0)]       // exactly at the limit stays on the master
    [InlineData(BrokerRole.SyncMaster, true, 1_000_000, -1, 0)]    // read nothing (caught up): the master
    [InlineData(BrokerRole.Slave, false, 1_000_000, 0, 0)]         // a slave sends clients back to the master
    [InlineData(BrokerRole.Slave, true, 1_000_000, 0, 1)]          // ... unless on and still far behind
    [InlineData(BrokerRole.Slave, true, 1_000_000, 990_000, 0)]
    public void The_suggestion_follows_RocketMQs_rule(BrokerRole role, bool enabled, long logEnd, long pulledAt, long expected)
    {
        var suggestion = new PullSuggestion(enabled, new BrokerRoleState(role, 0), accessMessageInMemoryMaxRatio: 40, physicalMemory: Memory);
        Assert.Equal(expected < 0 ? null : expected, suggestion.Suggest(logEnd, pulledAt < 0 ? null : pulledAt));
    }

    [Fact]
    public void The_suggestion_follows_the_run_time_role_a_promoted_slave_suggests_like_a_master_and_a_demoted_master_like_a_slave()
    {
        var role = new BrokerRoleState(BrokerRole.Slave, 0);
        var suggestion = new PullSuggestion(slaveReadEnable: false, role, accessMessageInMemoryMaxRatio: 40, physicalMemory: Memory);
        Assert.Equal(BrokerGroupRoles.MasterId, suggestion.Suggest(1_000_000, 0)); // a slave sends clients to the master
        role.Set(BrokerRole.AsyncMaster, 1); // promoted by failover
        Assert.Null(suggestion.Suggest(1_000_000, 0)); // a master with slave-read-enable off suggests nothing
        role.Set(BrokerRole.Slave, 2); // an old master told to follow
        Assert.Equal(BrokerGroupRoles.MasterId, suggestion.Suggest(1_000_000, 0));
    }

    [Theory]
    [InlineData("slave-read-enable = on, access-message-in-memory-max-ratio = 101", "access-message-in-memory-max-ratio")]
    [InlineData("slave-read-enable = maybe", "slave-read-enable")]
    public void Bad_settings_are_refused_by_name(string settings, string key)
    {
        var error = Assert.ThrowsAny<Exception>(() => BrokerSettings.FromConfig(ConfigurationFactory.ParseString($"rocket.broker {{ {settings} }}")));
        Assert.Contains(key, error.Message);
    }

    [Fact]
    public void The_defaults_are_RocketMQs_off_and_40_percent()
    {
        var settings = BrokerSettings.FromConfig(ConfigurationFactory.Empty);
        Assert.False(settings.SlaveReadEnable);
        Assert.Equal(40, settings.AccessMessageInMemoryMaxRatio);
    }

    [Fact]
    public void A_master_with_slave_read_enable_suggests_the_slave_for_a_backlog_and_the_master_once_caught_up_and_nothing_when_off()
    {
        // Ratio 0: any distance from the log's end counts as a backlog.
        var on = StartBroker(new BrokerSettings { SlaveReadEnable = true, AccessMessageInMemoryMaxRatio = 0 }, "on");
        Produce(on, "a", "b");
        var backlog = AwaitPull(on, 0);
        Assert.Equal(PullStatus.Found, backlog.Status);
        Assert.Equal(PullSuggestion.SlowConsumerBrokerId, backlog.SuggestBrokerId);
        var caughtUp = AwaitPull(on, backlog.NextOffset);
        Assert.Equal(PullStatus.NoNewMessage, caughtUp.Status);
        Assert.Equal(BrokerGroupRoles.MasterId, caughtUp.SuggestBrokerId);
    }

    [Fact]
    public void With_slave_read_enable_off_a_master_suggests_nothing()
    {
        var off = StartBroker(new BrokerSettings { AccessMessageInMemoryMaxRatio = 0 }, "off");
        Produce(off, "a", "b");
        var pulled = AwaitPull(off, 0);
        Assert.Equal(PullStatus.Found, pulled.Status);
        Assert.Null(pulled.SuggestBrokerId);
        Assert.Null(AwaitPull(off, pulled.NextOffset).SuggestBrokerId);
    }

    private long _requestId;

    private IActorRef StartBroker(BrokerSettings settings, string name)
    {
        var store = MessageStore.Open(TestMessages.SmallStore(Path.Combine(_dir.Path, name)));
        var parts = new BrokerParts(InMemoryTopicsActor.Factory([new TopicConfig("T", 1, 1)]), InMemoryOffsetsActor.Props(), Publisher: null);
        return Sys.ActorOf(BrokerActor.Props(store, settings, parts), $"{BrokerActor.Name}-{name}");
    }

    private void Produce(IActorRef broker, params string[] bodies)
    {
        broker.Tell(new ProduceRequest(++_requestId,
            bodies.Select(b => new WireMessage("T", 0, Encoding.UTF8.GetBytes(b), null, 0, 1_700_000_000_000)).ToArray()));
        var response = ExpectMsg<ProduceResponse>(r => r.RequestId == _requestId, TimeSpan.FromSeconds(30));
        Assert.All(response.Results, r => Assert.Equal(ProduceStatus.Ok, r.Status));
    }

    /// <summary>Pulls until the consume queue shows what was produced (it is built asynchronously).</summary>
    private PullResponse AwaitPull(IActorRef broker, long offset)
    {
        PullResponse? response = null;
        AwaitAssert(() =>
        {
            broker.Tell(new PullRequest(++_requestId, "g", "T", 0, offset, 32, null, 0));
            response = ExpectMsg<PullResponse>(TimeSpan.FromSeconds(30));
            if (offset == 0) Assert.Equal(PullStatus.Found, response.Status);
        }, TimeSpan.FromSeconds(30));
        return response!;
    }
}
