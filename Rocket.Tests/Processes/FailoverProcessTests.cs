using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Rocket.Client;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Processes;

/// <summary>
/// Issue 11 end to end with real processes and default failover settings: two seeds, a master and its slave; 16 writers
/// send while the master is SIGKILLed; the slave is promoted, producers and a consumer follow without restarts, and the
/// old master returns on its own address as a slave of the new epoch and converges byte for byte.
/// </summary>
[Collection(MultiProcess.LaneB)]
public class FailoverProcessTests(ITestOutputHelper output) : IDisposable
{
    private const string Topic = "Ha";
    private const int Writers = 16;

    private readonly RocketCluster _cluster = new(seeds: 2);

    public void Dispose() => _cluster.Dispose();

    private static string MasterConfig(string role) => $"rocket.broker.broker-role = {role}";
    private const string SlaveConfig = "rocket.broker { broker-name = \"broker-a\", broker-id = 1, broker-role = SLAVE }";

    /// <summary>
    /// SYNC_MASTER: no acknowledged message is lost, and the old master's disk is deleted before it returns (it copies
    /// the whole log from the new master). ASYNC_MASTER: what is lost is only the unreplicated tail (reported), and the
    /// old master returns with its disk, cutting that tail (RocketMQ 5's epoch rule).
    /// </summary>
    [Theory]
    [InlineData("SYNC_MASTER")]
    [InlineData("ASYNC_MASTER")]
    public async Task The_slave_takes_over_a_killed_master_and_the_old_master_returns_as_its_slave_byte_identical(string role)
    {
        var seeds = new[] { _cluster.StartSeed(0), _cluster.StartSeed(1) };
        _cluster.StartBroker("broker-a", extraHocon: MasterConfig(role));
        var slave = _cluster.StartBroker("broker-a-s", extraHocon: SlaveConfig);
        try
        {
            await FailOverAsync(role);
        }
        finally
        {
            // The failover's course as the coordinator and the promoted slave logged it.
            foreach (var line in seeds.Append(slave).SelectMany(p => p.StandardOutput.Split('\n'))
                .Where(l => l.Contains("epoch", StringComparison.Ordinal) || l.Contains("nreachable", StringComparison.Ordinal)))
                output.WriteLine(line);
        }
    }

    private async Task FailOverAsync(string role)
    {
        bool sync = role == "SYNC_MASTER";
        // A client with the default settings (send timeout 3 s, 2 retries): what an application would have.
        await using var client = RocketClient.Create(new ClientSettings { Seeds = [.. _cluster.Seeds.Split(',')] });
        await client.Admin.CreateOrUpdateTopicAsync(new TopicConfig(Topic, 4, 4));
        await MultiProcess.AwaitAsync(async () => Group(await client.Admin.GetClusterViewAsync()) is { Length: 2 } g
            && g.All(b => b.Epoch == 1 && b.Topics.Any(t => t.Name == Topic)),
            "master and slave in epoch 1, both holding the topic (the slave copies topic configs)", TimeSpan.FromSeconds(60));
        var producer = client.CreateProducer();
        if (sync)
            await MultiProcess.AwaitAsync(async () => (await producer.SendAsync(Tagged("warm", 0))).Status == SendStatus.SendOk,
                "a SEND_OK with the slave in sync", TimeSpan.FromSeconds(30));

        await using var consumerClient = RocketClient.Create(new ClientSettings { Seeds = [.. _cluster.Seeds.Split(',')] });
        var consumed = await Collector.StartAsync(consumerClient, Topic, "G");

        // 16 writers send without pause. Stored: the broker stored the message (SEND_OK, or SLAVE_NOT_AVAILABLE from a
        // SYNC_MASTER without an in-sync slave); only SEND_OK counts as acknowledged.
        var stored = new ConcurrentDictionary<string, (long Physical, long StartedTicks, bool Ok)>(); // by body
        var errors = new ConcurrentDictionary<string, int>();
        long killedAtTicks = 0, firstAcceptedAfterKillTicks = 0;
        int failedSends = 0;
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                var message = Tagged($"w{w}", i);
                long started = DateTime.UtcNow.Ticks;
                try
                {
                    var result = await producer.SendAsync(message);
                    Assert.True(OffsetMessageId.TryDecode(result.OffsetMessageId, out _, out long physical, out _));
                    stored[Encoding.UTF8.GetString(message.Body)] = (physical, started, result.Status == SendStatus.SendOk);
                    if (result.Status != SendStatus.SendOk) errors.AddOrUpdate(result.Status.ToString(), 1, (_, n) => n + 1);
                    long killed = Interlocked.Read(ref killedAtTicks); // stored counts as accepted
                    if (killed != 0 && started > killed) Interlocked.CompareExchange(ref firstAcceptedAfterKillTicks, DateTime.UtcNow.Ticks, 0);
                }
                catch (RocketClientException e)
                {
                    Interlocked.Increment(ref failedSends);
                    errors.AddOrUpdate(new string(e.Message.Where(c => !char.IsDigit(c)).ToArray()), 1, (_, n) => n + 1);
                    await Task.Delay(50);
                }
            }
        })).ToArray();

        int Acked() => stored.Values.Count(v => v.Ok);
        await MultiProcess.AwaitAsync(() => Task.FromResult(Acked() >= 3000), "3000 acknowledged sends before the kill", TimeSpan.FromSeconds(60));
        _cluster.Kill("broker-a"); // SIGKILL mid-stream
        output.WriteLine($"{role}: master killed at {DateTime.UtcNow:HH:mm:ss.fff}");
        var kill = DateTime.UtcNow;
        Interlocked.Exchange(ref killedAtTicks, kill.Ticks);
        int consumedAtKill = consumed.Received.Count;
        output.WriteLine($"{role}: master killed after {Acked()} acknowledged sends ({consumedAtKill} consumed so far)");

        // The slave is promoted with epoch 2 and the writers' sends are accepted again, by the new master.
        await MultiProcess.AwaitAsync(() => Task.FromResult(Interlocked.Read(ref firstAcceptedAfterKillTicks) != 0),
            "a send accepted after the kill", TimeSpan.FromSeconds(60));
        var firstAccepted = new DateTime(Interlocked.Read(ref firstAcceptedAfterKillTicks), DateTimeKind.Utc);
        output.WriteLine($"{role}: kill -> first accepted send {(firstAccepted - kill).TotalSeconds:F1} s, at {firstAccepted:HH:mm:ss.fff} " +
            $"(consumed meanwhile: {consumed.Received.Count - consumedAtKill})");
        var promoted = Group(await client.Admin.GetClusterViewAsync()).Single(b => b.BrokerId == 1);
        Assert.True(promoted.Role.IsMaster(), $"broker 1 is {promoted.Role.Name()}");
        Assert.True(promoted.Epoch >= 2, $"broker 1 is in epoch {promoted.Epoch}");
        int storedAtFailover = stored.Count;
        await MultiProcess.AwaitAsync(() => Task.FromResult(stored.Count >= storedAtFailover + 1000), "1000 sends stored by the new master");
        stop.Cancel();
        await Task.WhenAll(writers);
        output.WriteLine($"{role}: {stored.Count} stored, {Acked()} of them acknowledged (SEND_OK); {failedSends} sends failed; " +
            $"statuses and errors: {string.Join("; ", errors.OrderByDescending(e => e.Value).Select(e => $"{e.Value}x {e.Key}"))}");

        // Every message the new master acknowledged sits at or above where its epoch began; below that, its log is the
        // slave's copy. Everything acknowledged below that point must be consumable; above it, before the kill, is the
        // old master's unreplicated tail (none under SYNC_MASTER).
        bool SentAfterKill((long Physical, long StartedTicks, bool Ok) a) => a.StartedTicks > kill.Ticks; // only the new master can have taken it
        long epochStart = stored.Values.Where(SentAfterKill).Min(a => a.Physical);
        var acked = stored.Where(p => p.Value.Ok || SentAfterKill(p.Value)).ToArray(); // acknowledged, or stored by the master that stays
        var mustArrive = acked.Where(p => sync || SentAfterKill(p.Value) || p.Value.Physical < epochStart).Select(p => p.Key).ToHashSet();
        await MultiProcess.AwaitAsync(() => Task.FromResult(mustArrive.All(consumed.Received.ContainsKey)),
            () => $"all {mustArrive.Count} acknowledged messages that must survive consumed " +
                  $"({mustArrive.Count(m => !consumed.Received.ContainsKey(m))} missing, at physical offsets " +
                  $"{string.Join(", ", mustArrive.Where(m => !consumed.Received.ContainsKey(m)).Select(m => stored[m].Physical).Order().Take(5))}…; " +
                  $"the new epoch's first acknowledged offset {epochStart})", TimeSpan.FromSeconds(90));
        var lost = acked.Where(p => !consumed.Received.ContainsKey(p.Key)).ToArray();
        output.WriteLine($"{role}: {lost.Length} acknowledged messages lost" + (lost.Length == 0 ? "" :
            $", all in the old master's unreplicated tail [{lost.Min(p => p.Value.Physical)}, {lost.Max(p => p.Value.Physical)}] " +
            $"at or above the new epoch's first acknowledged offset {epochStart}"));
        if (sync) Assert.Empty(lost);
        else Assert.All(lost, p => Assert.True(p.Value.Physical >= epochStart, $"{p.Key} at {p.Value.Physical} lost below {epochStart}"));
        await consumed.Consumer.StopAsync();

        // The old master returns on its own address (under SYNC_MASTER with its disk deleted) and follows epoch 2.
        if (sync) Directory.Delete(_cluster.StoreOf("broker-a"), recursive: true);
        var restarted = Stopwatch.StartNew();
        _cluster.StartBroker("broker-a", extraHocon: MasterConfig(role));
        await MultiProcess.AwaitAsync(async () => Group(await client.Admin.GetClusterViewAsync()).SingleOrDefault(b => b.BrokerId == 0) is { } old
            && old.Role == BrokerRole.Slave && old.Epoch == promoted.Epoch, "the old master back as a slave of the new epoch", TimeSpan.FromSeconds(60));
        output.WriteLine($"{role}: old master a slave of epoch {promoted.Epoch} {restarted.Elapsed.TotalSeconds:F1} s after its restart");
        var after = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => producer.SendAsync(Tagged("after", i))));
        if (sync)
            await MultiProcess.AwaitAsync(async () => (await producer.SendAsync(Tagged("after-sync", 0))).Status == SendStatus.SendOk,
                "SEND_OK from the new master with the old one as its in-sync slave", TimeSpan.FromSeconds(60));
        Assert.All(after, r => Assert.True(r.QueueOffset >= 0));
        await AwaitIdenticalLogsAsync(client);
    }

    private static BrokerRecord[] Group(ClusterView view) => [.. view.Brokers.Where(b => b.BrokerName == "broker-a").OrderBy(b => b.BrokerId)];

    private static Message Tagged(string verifyId, int seq) =>
        new(Topic, Encoding.UTF8.GetBytes($"{verifyId}-{seq}")) { Properties = { ["VERIFY_ID"] = verifyId, ["VERIFY_SEQ"] = seq.ToString() } };

    /// <summary>Waits until both brokers publish the same log end, then compares their logs from offset 0 to it.</summary>
    private async Task AwaitIdenticalLogsAsync(RocketClient client)
    {
        long end = 0;
        string master = "", slave = "";
        await MultiProcess.AwaitAsync(async () =>
        {
            var group = Group(await client.Admin.GetClusterViewAsync());
            end = group.FirstOrDefault(b => b.BrokerId == 1)?.MaxOffset ?? 0;
            if (group.Length != 2 || end == 0 || group.Any(b => b.MaxOffset != end)) return false;
            (master, slave) = (CommitLogChecksum.Of(_cluster.StoreOf("broker-a-s"), end), CommitLogChecksum.Of(_cluster.StoreOf("broker-a"), end));
            return master == slave;
        }, "the old master's commit log equal to the new master's", TimeSpan.FromSeconds(90));
        output.WriteLine($"logs identical over [0, {end}): {master}");
    }
}
