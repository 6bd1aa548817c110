using System.CommandLine;
using System.Diagnostics;
using Rocket.Cli.Commands.Quickstart;
using Rocket.Cli.Commands.Shared;
using Rocket.Client;
using Rocket.Protocol;

namespace Rocket.Cli.Commands;

/// <summary>
/// <c>rocket quickstart</c>: a whole cluster round trip on one machine with nothing set up. Starts a seed and a
/// broker as child processes on free ports with a temp store, sends messages, consumes them with a push consumer,
/// prints what happened, then stops both nodes (SIGTERM) and deletes the store.
/// </summary>
public static class QuickstartCommand
{
    private const string Topic = "QuickstartTopic";
    private const string Group = "quickstart-group";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(15);

    public sealed record QueueCount(string Queue, long Sent, long Received);

    public sealed record QuickstartReport(
        string Seeds, double SeedStartMs, double BrokerStartMs, long Sent, long Failed, double SendMs, long Received,
        long Unique, long Missing, double ConsumeMs, TopicCommand.RouteResult? Route, QueueCount[] Queues, string[] Stops, bool Ok);

    public static Command Create()
    {
        var messages = new Option<int>("--messages") { Description = "Messages to send and consume", DefaultValueFactory = _ => 1000 }.AtLeast(1);
        var json = new Option<bool>("--json") { Description = "Print exactly one JSON object (snake_case keys) on stdout" };
        var command = new Command("quickstart", "Start a seed and a broker locally, send and consume messages, stop everything") { messages, json };
        command.SetAction(async (parse, cancel) =>
        {
            var seedPort = ChildNode.FreePort();
            var cli = new CliContext([$"127.0.0.1:{seedPort}"], parse.GetValue(json),
                parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error) { SendTimeout = TimeSpan.FromSeconds(10) };
            try
            {
                return cli.Finish(await RunAsync(cli, seedPort, parse.GetValue(messages), cancel));
            }
            catch (Exception e) when (e is RocketClientException or TimeoutException or InvalidOperationException or FileNotFoundException)
            {
                cli.Error($"rocket quickstart: {e.Message}");
                return cli.Finish(ExitCodes.Failed);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                cli.Error("rocket quickstart: interrupted; nodes stopped, store deleted");
                return cli.Finish(ExitCodes.Interrupted);
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(CliContext cli, int seedPort, int count, CancellationToken cancel)
    {
        string seedDll = NodeLocator.Find("Rocket.Seed.dll"), nodeDll = NodeLocator.Find("Rocket.Node.dll");
        string root = Path.Combine(Path.GetTempPath(), $"rocket-quickstart-{Guid.NewGuid():N}"[..32]);
        Directory.CreateDirectory(root);
        string seeds = cli.Seeds[0];
        var nodes = new List<ChildNode>();
        var stops = new List<string>();
        try
        {
            cli.Info($"store: {root}");
            var watch = Stopwatch.StartNew();
            var seed = ChildNode.Start("seed", seedDll, "--port", seedPort.ToString(), "--seeds", seeds);
            nodes.Add(seed);
            cli.Info($"seed:   pid {seed.Id}, {await seed.ReadyAsync(StartTimeout).WaitAsync(cancel)}");
            double seedMs = watch.Elapsed.TotalMilliseconds;

            watch.Restart();
            var broker = ChildNode.Start("broker", nodeDll, "--port", ChildNode.FreePort().ToString(), "--seeds", seeds,
                "--store", Path.Combine(root, "broker-a"));
            nodes.Add(broker);
            cli.Info($"broker: pid {broker.Id}, {await broker.ReadyAsync(StartTimeout).WaitAsync(cancel)}");
            double brokerMs = watch.Elapsed.TotalMilliseconds;

            QuickstartReport report;
            await using (var client = cli.CreateClient())
                report = await RoundTripAsync(cli, client, count, seeds, seedMs, brokerMs, cancel);

            // Nodes stop in reverse order: the broker leaves while its seed is still there to see it go.
            for (int i = nodes.Count - 1; i >= 0; i--) stops.Add($"{nodes[i].Name} {await nodes[i].StopAsync(StopGrace)}");
            nodes.Clear();
            report = report with { Stops = stops.ToArray() };

            if (cli.Json) cli.WriteJson(report);
            else Print(cli.Out, report, count);
            return report.Ok ? ExitCodes.Ok : ExitCodes.Failed;
        }
        finally
        {
            for (int i = nodes.Count - 1; i >= 0; i--) await nodes[i].DisposeAsync();
            try { Directory.Delete(root, recursive: true); }
            catch (IOException e) { cli.Err.WriteLine($"could not delete {root}: {e.Message}"); }
        }
    }

    private static async Task<QuickstartReport> RoundTripAsync(
        CliContext cli, RocketClient client, int count, string seeds, double seedMs, double brokerMs, CancellationToken cancel)
    {
        var config = new TopicConfig(Topic, 4, 4);
        await client.Admin.WaitForMasterAsync(TopicSetup.PropagationWait);
        var created = await client.Admin.CreateOrUpdateTopicAsync(config);
        if (created.FirstOrDefault(r => !r.Ok) is { } refused) throw new RocketClientException($"creating {Topic} failed on {refused.BrokerName}: {refused.Error}");
        if (!await TopicSetup.AwaitVisibleAsync(client, config, created.Select(r => r.BrokerName).ToHashSet()))
            throw new RocketClientException($"the seed did not publish topic {Topic} within {TopicSetup.PropagationWait.TotalSeconds:0} s");
        var route = await client.GetRouteAsync(Topic);
        cli.Info($"topic {Topic} created with 4 queues");

        string verifyId = $"qs-{Guid.NewGuid():N}"[..11];
        var load = new SendLoad(client.CreateProducer("QUICKSTART_PRODUCER"), new SendPlan(Topic, count, 128) { Concurrency = 64, VerifyId = verifyId });
        var sendTime = await load.RunAsync(cancel);
        cli.Info($"sent {load.Sent:N0} in {sendTime.TotalMilliseconds:N0} ms ({load.Failed} failed)");
        foreach (var e in load.Errors) cli.Err.WriteLine($"send error: {e}");

        var tally = new ConsumeTally(verifyId, count, trackIds: false, bornLatency: false);
        tally.SetTarget(count);
        var session = new ConsumeSession(client, new ConsumePlan(Topic, Group) { From = ConsumeFrom.First, IdleTimeout = TimeSpan.FromSeconds(15) }, tally);
        await session.StartAsync();
        await session.WaitAsync(cancel);
        await session.StopAsync();
        cli.Info($"consumed {tally.Received:N0} in {session.Elapsed.TotalMilliseconds:N0} ms (stopped by {session.StopReason})");

        var (missing, _) = tally.Missing();
        var queues = load.PerQueue.Keys.Union(tally.PerQueue.Keys)
            .OrderBy(q => q.BrokerName, StringComparer.Ordinal).ThenBy(q => q.QueueId)
            .Select(q => new QueueCount($"{q.BrokerName}#{q.QueueId}", load.PerQueue.GetValueOrDefault(q), tally.PerQueue.GetValueOrDefault(q)))
            .ToArray();
        return new QuickstartReport(seeds, seedMs, brokerMs, load.Sent, load.Failed, sendTime.TotalMilliseconds, tally.Received,
            tally.Unique ?? 0, missing, session.Elapsed.TotalMilliseconds, route is null ? null : TopicCommand.ToResult(route), queues, [],
            Ok: load.Failed == 0 && missing == 0);
    }

    private static void Print(TextWriter o, QuickstartReport r, int count)
    {
        o.WriteLine($"quickstart: seed at {r.Seeds} (ready in {r.SeedStartMs / 1000:F1} s), broker ready in {r.BrokerStartMs / 1000:F1} s");
        o.WriteLine($"  sent     {r.Sent,6:N0} of {count:N0} in {r.SendMs,6:N0} ms ({r.Failed} failed)");
        o.WriteLine($"  received {r.Received,6:N0} ({r.Unique:N0} unique, {r.Missing:N0} missing) in {r.ConsumeMs,6:N0} ms");
        if (r.Route is not null) TopicCommand.PrintRoute(o, r.Route);
        o.WriteLine($"  {"queue",-14} {"sent",6} {"received",9}");
        foreach (var q in r.Queues) o.WriteLine($"  {q.Queue,-14} {q.Sent,6:N0} {q.Received,9:N0}");
        foreach (var s in r.Stops) o.WriteLine($"  {s}");
        o.WriteLine(r.Ok ? "OK: every message sent was received" : "FAILED: see above");
    }
}
