using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Rocket.Client;
using Rocket.Protocol;
using Rocket.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Processes;

/// <summary>Clean stops leave clean logs: an ERROR or a stack trace must mean something went wrong.</summary>
[Collection(MultiProcess.LaneB)]
public sealed partial class CleanLogTests(ITestOutputHelper output) : IDisposable
{
    private readonly RocketCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task A_client_that_sends_consumes_and_disposes_and_SIGTERM_stops_leave_no_error_or_stack_trace_in_any_log()
    {
        var seed = _cluster.StartSeed();
        var broker = _cluster.StartBroker("broker-a");
        var clientLogs = new CapturingLoggerFactory();
        var settings = ProcessClientSettings.For(_cluster.Seeds) with { LoggerFactory = clientLogs };

        await using (var client = RocketClient.Create(settings))
        {
            await MultiProcess.AwaitBrokersAsync(client, "broker-a");
            Assert.All(await client.Admin.CreateOrUpdateTopicAsync(new TopicConfig("CleanLog", 4, 4)), r => Assert.True(r.Ok, r.Error));
            await client.Admin.WaitForTopicAsync("CleanLog", TimeSpan.FromSeconds(30));
            var producer = client.CreateProducer();
            for (int i = 0; i < 20; i++) await producer.SendAsync(new Message("CleanLog", Encoding.UTF8.GetBytes($"m{i}")));
            int received = 0;
            await client.CreatePushConsumer(new PushConsumerOptions("CleanLogGroup") { ConsumeFrom = ConsumeFrom.First })
                .Subscribe("CleanLog")
                .RegisterHandler(batch => { Interlocked.Add(ref received, batch.Count); return ConsumeResult.Success; })
                .StartAsync();
            await MultiProcess.AwaitAsync(() => Task.FromResult(Volatile.Read(ref received) == 20), "20 messages consumed");
        } // disposed while its consumer's long polls are held by the broker

        // A message on each queue would wake any pull the first client left on hold (the broker drops them when the
        // consumer unregisters); the second client's own message comes back through a new group after those.
        await using (var second = _cluster.Client())
        {
            var waker = second.CreateProducer();
            for (int q = 0; q < 4; q++)
                await waker.SendAsync(new Message("CleanLog", "wake"u8.ToArray()), (queues, _, arg) => queues[(int)arg!], q);
            int woke = 0;
            await second.CreatePushConsumer(new PushConsumerOptions("CleanLogSecond") { ConsumeFrom = ConsumeFrom.Last })
                .Subscribe("CleanLog")
                .RegisterHandler(batch => { Interlocked.Add(ref woke, batch.Count); return ConsumeResult.Success; })
                .StartAsync();
            await second.CreateProducer().SendAsync(new Message("CleanLog", "after"u8.ToArray()));
            await MultiProcess.AwaitAsync(() => Task.FromResult(Volatile.Read(ref woke) == 1), "the second client's message");
        }

        Assert.Equal(0, broker.Terminate(TimeSpan.FromSeconds(60)));
        Assert.Equal(0, seed.Terminate(TimeSpan.FromSeconds(60)));
        broker.WaitForExit();
        seed.WaitForExit();

        foreach (var e in clientLogs.Entries) output.WriteLine($"client {e.Level} {e.Category}: {e.Message}");
        Assert.DoesNotContain(clientLogs.Entries, e => e.Level >= LogLevel.Error || e.Exception is not null);
        AssertClean("broker stdout", broker.StandardOutput);
        AssertClean("broker stderr", broker.StandardError);
        AssertClean("seed stdout", seed.StandardOutput);
        AssertClean("seed stderr", seed.StandardError);
    }

    private void AssertClean(string what, string log)
    {
        var bad = log.Split('\n').Where(line => ErrorOrStackTrace().IsMatch(line)).ToArray();
        if (bad.Length > 0) output.WriteLine($"{what}:\n{log}");
        Assert.True(bad.Length == 0, $"{what} has errors or stack traces:\n{string.Join('\n', bad.Take(20))}");
    }

    /// <summary>Akka's "[ERROR]", MEL console's "fail:"/"crit:", and .NET stack frames ("   at X.Y(...)").</summary>
    [GeneratedRegex(@"\[ERROR\]|\bfail:|\bcrit:|^\s+at \S+\(|--- End of", RegexOptions.IgnoreCase)]
    private static partial Regex ErrorOrStackTrace();
}
