using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Processes;

/// <summary>How a process finds its cluster: seeding itself when given no seeds, and saying so when it cannot join.</summary>
[Collection(MultiProcess.LaneA)]
public class JoiningTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly TempDirectory _dir = new("joining");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_standalone_node_given_only_a_port_seeds_itself_and_serves()
    {
        int port = FreePort.Next();
        using var node = ChildProcess.StartDotnet("Rocket.Node.dll", "--standalone", "--port", port.ToString(), "--store", Path.Combine(_dir.Path, "data"));
        Assert.Contains($"127.0.0.1:{port}", AwaitLine(node, "ready"));

        await using var client = Rocket.Client.RocketClient.Create(new Rocket.Client.ClientSettings { Seeds = [$"127.0.0.1:{port}"] });
        await MultiProcess.AwaitAsync(async () => (await client.Admin.GetClusterViewAsync()).Brokers.Length == 1, "its broker in its own routes");
        await client.Admin.CreateOrUpdateTopicAsync(new Protocol.TopicConfig("Alone", 2, 2));
        await MultiProcess.AwaitAsync(async () => (await client.Admin.GetRouteAsync("Alone")) is not null, "route of Alone");
        var result = await client.CreateProducer().SendAsync(new Rocket.Client.Message("Alone", "hello"u8.ToArray()));
        Assert.Equal(Rocket.Client.SendStatus.SendOk, result.Status);
        var view = await client.Admin.GetClusterViewAsync();
        Assert.Equal($"akka.tcp://rocket@127.0.0.1:{port}", Assert.Single(view.Members).Address); // its own cluster, nobody else's
    }

    [Fact]
    public void A_seed_given_only_a_port_seeds_itself()
    {
        int port = FreePort.Next();
        using var seed = ChildProcess.StartDotnet("Rocket.Seed.dll", "--port", port.ToString());
        Assert.Contains($"127.0.0.1:{port}", AwaitLine(seed, "ready"));
    }

    [Fact]
    public void The_seed_config_file_with_another_port_seeds_itself()
    {
        int port = FreePort.Next();
        var file = Path.Combine(FindRepositoryRoot(), "hocon", "seed.hocon");
        using var seed = ChildProcess.StartDotnet("Rocket.Seed.dll", "--config", file, "--port", port.ToString());
        Assert.Contains($"127.0.0.1:{port}", AwaitLine(seed, "ready"));
    }

    [Fact]
    public void A_broker_that_cannot_join_logs_an_error_naming_the_seeds_it_tried_every_few_seconds()
    {
        int nobody = FreePort.Next(); // nothing listens there
        using var broker = ChildProcess.StartDotnet("Rocket.Node.dll", "--port", FreePort.Next().ToString(), "--seeds", $"127.0.0.1:{nobody}",
            "--store", Path.Combine(_dir.Path, "broker"));
        var first = AwaitLine(broker, "not a cluster member");
        Assert.Contains("ERROR", first);
        Assert.Contains($"127.0.0.1:{nobody}", first);
        var second = AwaitLine(broker, "not a cluster member"); // and again, until it joins
        Assert.Contains($"127.0.0.1:{nobody}", second);
    }

    [Fact]
    public async Task A_broker_not_a_member_within_the_join_limit_starts_again_as_a_new_incarnation_and_joins_a_seed_that_answers_later()
    {
        int seedPort = FreePort.Next();
        var configFile = Path.Combine(_dir.Path, "broker.hocon");
        File.WriteAllText(configFile, $$"""
            akka.remote.dot-netty.tcp.port = {{FreePort.Next()}}
            akka.cluster.shutdown-after-unsuccessful-join-seed-nodes = 5s
            rocket.store.dir = "{{Path.Combine(_dir.Path, "broker").Replace("\\", "/")}}"
            """);
        using var broker = ChildProcess.StartDotnet("Rocket.Node.dll", "--config", configFile, "--seeds", $"127.0.0.1:{seedPort}");
        // Nothing answers yet: the first incarnation gives up and a second one starts in the same process.
        await MultiProcess.AwaitAsync(() => Task.FromResult(broker.StandardError.Contains("starting again as a new incarnation (attempt 2)")),
            "the broker starting again as a new incarnation", Timeout);
        Assert.False(broker.HasExited);

        using var seed = ChildProcess.StartDotnet("Rocket.Seed.dll", "--port", seedPort.ToString(), "--seeds", $"127.0.0.1:{seedPort}");
        AwaitLine(seed, "ready");
        Assert.Contains("broker broker-a", AwaitLine(broker, "ready"));
    }

    [Fact]
    public async Task A_broker_the_cluster_removed_exits_with_a_non_zero_code_and_an_error_line_instead_of_staying_alive_unjoined()
    {
        using var cluster = new RocketCluster();
        cluster.StartSeed();
        var broker = cluster.StartBroker("broker-a");
        await using var client = cluster.Client();
        string? address = null;
        await MultiProcess.AwaitAsync(async () =>
        {
            address = (await client.Admin.GetClusterViewAsync()).Members.FirstOrDefault(m => m.Roles.Contains("broker") && m.Status == "Up")?.Address;
            return address is not null;
        }, "the broker Up in the seed's view");

        // Frozen, the broker is unreachable; the seed (the oldest) downs and removes it. Thawed, it finds itself
        // out of the cluster and shuts its cluster down.
        broker.Signal("STOP");
        await MultiProcess.AwaitAsync(async () => (await client.Admin.GetClusterViewAsync()).Members.All(m => m.Address != address),
            "the frozen broker removed from the seed's view", TimeSpan.FromSeconds(60));
        broker.Signal("CONT");

        int code = broker.WaitForExit(TimeSpan.FromSeconds(90));
        string tail = string.Join("\n", broker.StandardOutput.Split('\n').TakeLast(30));
        Assert.True(code == Rocket.Hosting.MembershipEnd.ExitCode, $"exit code {code}; stderr: {broker.StandardError}\nlast output:\n{tail}");
        Assert.Contains("no longer a cluster member", broker.StandardError);
    }

    private static string AwaitLine(ChildProcess process, string contains)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            var line = process.ReadLine(deadline - DateTime.UtcNow)
                ?? throw new InvalidOperationException($"the process exited before printing '{contains}': {process.StandardError}");
            if (line.Contains(contains, StringComparison.Ordinal)) return line;
        }
        throw new TimeoutException($"no line with '{contains}' within {Timeout}: {process.StandardError}");
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "cluster.sln"))) return dir.FullName;
        throw new InvalidOperationException($"cluster.sln not found above {AppContext.BaseDirectory}");
    }
}
