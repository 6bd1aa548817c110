using System.Diagnostics;
using Rocket.Client;
using Rocket.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Rocket.Tests.Processes;

/// <summary>
/// The packed library works for an application outside this repository: packed into a folder feed, referenced by a fresh
/// console app (no Directory.Build.props / Directory.Packages.props above it), restored offline, built with warnings as
/// errors (NU1603 included), and run against a real seed and broker.
/// </summary>
[Collection(MultiProcess.LaneA)]
public sealed class PackageTests(ITestOutputHelper output) : IDisposable
{
    private readonly RocketCluster _cluster = new();
    private readonly TempDirectory _work = new("package"); // under the system temp folder, outside the repository
    private string? _extracted;

    public void Dispose()
    {
        _cluster.Dispose();
        _work.Dispose();
        // The test version was extracted into the machine's package cache; it is unique, so nothing else uses it.
        if (_extracted is not null && Directory.Exists(_extracted)) Directory.Delete(_extracted, recursive: true);
        var id = _extracted is null ? null : Path.GetDirectoryName(_extracted);
        if (id is not null && Directory.Exists(id) && !Directory.EnumerateFileSystemEntries(id).Any()) Directory.Delete(id);
    }

    [Fact]
    public async Task A_console_app_outside_the_repository_references_the_packed_library_offline_and_sends_and_consumes()
    {
        var repository = RepositoryRoot();
        Assert.False(_work.Path.StartsWith(repository, StringComparison.Ordinal), "the app must live outside the repository");
        string version = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        string feed = Directory.CreateDirectory(Path.Combine(_work.Path, "feed")).FullName;
        string globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        _extracted = Path.Combine(globalPackages, "rocket.actors", version);

        // The build the tests run on (Debug or Release, as the tests were built), packed as it is (no second build of the library).
        string configuration = typeof(PackageTests).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
            .Cast<System.Reflection.AssemblyConfigurationAttribute>().Single().Configuration;
        Run(repository, "pack", "Rocket.Actors", "--no-build", "-c", configuration, "-o", feed, $"-p:Version={version}");
        Assert.True(File.Exists(Path.Combine(feed, $"Rocket.Actors.{version}.nupkg")));

        var app = Directory.CreateDirectory(Path.Combine(_work.Path, "app")).FullName;
        File.WriteAllText(Path.Combine(app, "PackagedApp.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Rocket.Actors" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        // Only local folders: the packed library, and the machine's package cache as a feed for its dependencies.
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="rocket" value="{feed}" />
                <add key="machine-cache" value="{globalPackages}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), AppSource);

        Run(app, "build", "-c", "Release", "-p:NuGetAudit=false");

        _cluster.StartSeed();
        _cluster.StartBroker("broker-a");
        await using (var client = _cluster.Client()) await MultiProcess.AwaitBrokersAsync(client, "broker-a");

        var (exit, stdout, stderr) = Run(app, "bin/Release/net10.0/PackagedApp.dll", _cluster.Seeds, "PackagedTopic");
        Assert.Equal(0, exit);
        // stdout is the application's: only its own lines, none of the client's logging.
        Assert.Equal(["sent 10", "received 10", "SQL92 refused"], stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        output.WriteLine($"app stderr:\n{stderr}");
    }

    private const string AppSource = """
        using Rocket.Client;
        using Rocket.Protocol;

        string seeds = args[0], topic = args[1];
        await using var client = RocketClient.Create(new ClientSettings
            { Seeds = [seeds], SendTimeout = TimeSpan.FromSeconds(10), ConsumerStartTimeout = TimeSpan.FromSeconds(30) });
        foreach (var result in await client.Admin.CreateOrUpdateTopicAsync(new TopicConfig(topic, 4, 4)))
            if (!result.Ok) throw new Exception($"topic not created on {result.BrokerName}: {result.Error}");
        await client.Admin.WaitForTopicAsync(topic, TimeSpan.FromSeconds(30));

        int received = 0;
        var all = new TaskCompletionSource();
        var consumer = client.CreatePushConsumer(new PushConsumerOptions("PackagedGroup") { ConsumeFrom = ConsumeFrom.Last })
            .Subscribe(topic)
            .RegisterHandler(batch =>
            {
                if (Interlocked.Add(ref received, batch.Count) >= 10) all.TrySetResult();
                return ConsumeResult.Success;
            });
        await consumer.StartAsync(); // from last: only what is sent below, and all of it

        var producer = client.CreateProducer();
        for (int i = 0; i < 10; i++) await producer.SendAsync(new Message(topic, System.Text.Encoding.UTF8.GetBytes($"m{i}")));
        Console.WriteLine("sent 10");
        await all.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Console.WriteLine($"received {Volatile.Read(ref received)}");

        try { client.CreatePushConsumer(new PushConsumerOptions("SqlGroup")).Subscribe(topic, MessageSelector.BySql("a > 5 AND (b = 1")); }
        catch (RocketClientException e) when (e.Message.Contains("at column 17")) { Console.WriteLine("SQL92 refused"); }
        """;

    /// <summary>Runs <c>dotnet args</c> in <paramref name="directory"/> offline-minded; fails the test with its output on a non-zero exit, except for the app run.</summary>
    private (int Exit, string Stdout, string Stderr) Run(string directory, params string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', args)} did not finish within 3 minutes");
        }
        process.WaitForExit();
        var result = (process.ExitCode, stdout.Result, stderr.Result);
        output.WriteLine($"dotnet {string.Join(' ', args)} -> {process.ExitCode}");
        bool isAppRun = args[0].EndsWith(".dll", StringComparison.Ordinal);
        if (!isAppRun) Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', args)} failed:\n{result.Item2}\n{result.Item3}");
        return result;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "cluster.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no cluster.sln above {AppContext.BaseDirectory}");
    }
}
