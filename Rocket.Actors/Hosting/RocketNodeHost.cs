using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rocket.Broker;
using Rocket.Broker.Metadata;
using Rocket.Naming;
using Rocket.Store;

namespace Rocket.Hosting;

/// <summary>
/// Runs a seed, broker or standalone process: Akka.Hosting on the generic host, configured from HOCON. Prints one
/// line starting with <c>ready</c> once the node is a cluster member and serves (a broker: once the seeds route to it); SIGTERM / Ctrl+C leave the cluster,
/// flush the store and remove its abort file.
/// </summary>
public static class RocketNodeHost
{
    public const string SystemName = Protocol.ClusterNames.SystemName;

    public static async Task<int> RunAsync(NodeRole role, NodeOptions flags, TextWriter? output = null)
    {
        output ??= Console.Out;
        Akka.Configuration.Config config;
        try
        {
            config = NodeConfig.Build(role, NodeOptions.FromEnvironment().OverriddenBy(flags));
        }
        catch (Akka.Configuration.ConfigurationException e)
        {
            await Console.Error.WriteLineAsync($"{Name(role)}: configuration error: {e.Message}");
            return NodeExitCode.BadConfiguration;
        }
        return await Reincarnation.RunAsync(role, config, incarnation => RunIncarnationAsync(role, config, output, incarnation));
    }

    private static string Name(NodeRole role) => $"rocket {role.ToString().ToLowerInvariant()}";

    /// <summary>How long a new incarnation waits for the previous one's port to be released.</summary>
    private static readonly TimeSpan PortReleaseWait = TimeSpan.FromSeconds(5);

    /// <summary>One actor system's life: its exit code, or null when it could not join and should start again.</summary>
    private static async Task<int?> RunIncarnationAsync(NodeRole role, Akka.Configuration.Config config, TextWriter output, int incarnation)
    {
        // Before the store opens: a taken port must not touch the store (nor leave an abort file).
        var listen = ListenPort.FromConfig(config);
        if (await listen.ProblemAsync(incarnation > 1 ? PortReleaseWait : TimeSpan.Zero) is { } portProblem)
        {
            await Console.Error.WriteLineAsync($"{Name(role)}: {portProblem}");
            return NodeExitCode.CannotStart;
        }

        bool serveBroker = role != NodeRole.Seed;
        MessageStore? store = null;
        // The store opens before the host exists and logs for as long as it is open (recovery decisions, corrupt
        // records met while serving), so it gets its own factory with the host's console format.
        using var storeLogging = LoggerFactory.Create(ConfigureLogging);
        MetadataStartup.Outcome? metadata = null;
        if (serveBroker)
        {
            // The projector writes delay-level deliver times into the schedule topic's entries: it needs the broker's table.
            var storeSettings = StoreSettings.FromConfig(config) with
            {
                ScheduleDelaysMs = Broker.BrokerSettings.FromConfig(config).MessageDelayLevel.DelaysMs,
            };
            if (StoreDirectory.Problem(storeSettings.Directory) is { } dirProblem)
            {
                await Console.Error.WriteLineAsync($"{Name(role)}: {dirProblem}");
                return NodeExitCode.CannotStart;
            }
            try
            {
                store = MessageStore.Open(storeSettings, logger: storeLogging.CreateLogger("Rocket.Store"));
            }
            catch (Exception e) when (e is StoreException or IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"{Name(role)}: cannot open the store in {storeSettings.Directory}: {e.Message}");
                return NodeExitCode.CannotStart;
            }
            metadata = await MetadataStartup.PrepareAsync(role, config, store);
            if (metadata.ExitCode is { } refused)
            {
                store.Shutdown(); // nothing was written: no abort file is left behind
                return refused;
            }
            config = metadata.Persistence!.WithFallback(config);
        }

        ActorSystem? started = null; // once Akka.Hosting started it (the host's services are disposed when RunAsync returns)
        var builder = Host.CreateApplicationBuilder(WithoutConfigurationWatch());
        ConfigureLogging(builder.Logging);
        builder.Services.AddAkka(SystemName, (akka, _) =>
        {
            akka.AddHocon(config, HoconAddMode.Prepend);
            akka.WithActors((system, _) =>
            {
                var naming = NamingSettings.FromConfig(config);
                NamingActors.Start(system, naming);
                // Seeds (and standalone nodes, which are seeds too) host the failover coordinator (docs/failover.md).
                if (role != NodeRole.Broker) Failover.FailoverActors.Start(system, Failover.FailoverSettings.FromConfig(config), naming);
                if (store is not null) StartBroker(system, store, config, naming, metadata!);
            });
            akka.AddStartup((system, _) =>
            {
                // After leaving the cluster, before the transport closes: see GracefulRemoteShutdown. The node's actors keep
                // running here (the store flushes when the system stops them).
                CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "close-remote-associations", async () =>
                {
                    // A node that never joined has no association worth a graceful close (the stuck one would only make
                    // it wait the full 3 s before it starts again as a new incarnation).
                    if (MembershipEnd.JoinTimedOut(system)) return Akka.Done.Instance;
                    if (await Remoting.GracefulRemoteShutdown.CloseAsync(system, TimeSpan.FromSeconds(3), stopUserActors: false) is { } problem)
                        system.Log.Warning("stopping: {0}", problem);
                    return Akka.Done.Instance;
                });
                started = system;
                if (store is not null) MetadataStartup.BackupAtShutdown(system);
                var cluster = Cluster.Get(system);
                MembershipEnd.StopSystemWhenMembershipEnds(system, cluster);
                var notJoined = ReportWhileNotJoined(system, cluster);
                cluster.RegisterOnMemberUp(() =>
                {
                    notJoined.Cancel();
                    string? brokerName = role == NodeRole.Seed ? null : Broker.BrokerSettings.FromConfig(config).BrokerName;
                    var what = role switch
                    {
                        NodeRole.Seed => "seed",
                        NodeRole.Broker => $"broker {brokerName}",
                        _ => "standalone seed+broker",
                    };
                    void SayReady()
                    {
                        lock (output)
                        {
                            output.WriteLine($"ready: {what} at {cluster.SelfAddress}" + (store is null ? "" : $", store {store.Settings.Directory}"));
                            output.Flush();
                        }
                    }
                    if (brokerName is null) SayReady();
                    else RoutableWait.ThenRun(system, brokerName, SayReady);
                });
            });
        });

        using var host = builder.Build();
        try
        {
            try
            {
                await host.RunAsync();
            }
            catch (Exception e) when (listen.BindFailure(e) is { } bindFailure)
            {
                // Another process took the port after the check above: the transport refused to share it.
                await Console.Error.WriteLineAsync($"{Name(role)}: {bindFailure}");
                return NodeExitCode.CannotStart;
            }
            if (started is not null && MembershipEnd.JoinTimedOut(started)) return null;
            // A node that stopped being a member without being asked to stop must not look like a clean exit.
            if (started is not null && MembershipEnd.Problem(started) is { } problem)
            {
                await Console.Error.WriteLineAsync($"{Name(role)}: {problem}");
                return MembershipEnd.ExitCode;
            }
            return Environment.ExitCode;
        }
        finally
        {
            // Normally the broker's store actor shut the store down when the actor system stopped; this covers a
            // start-up failure before the actors existed.
            store?.Shutdown();
        }
    }

    /// <summary>
    /// The host's defaults without reloading appsettings.json on change. That reload watches the working directory and
    /// every directory below it (inotify), where a node usually keeps its store: each write to the commit log then woke
    /// the watcher's thread and cost the writer a notification (docs/performance.md, twentieth round). A node reads
    /// its settings from HOCON at start, so there is nothing to reload.
    /// </summary>
    private static HostApplicationBuilderSettings WithoutConfigurationWatch()
    {
        var configuration = new ConfigurationManager(); // an indexer set would reach no source: add one
        configuration.AddInMemoryCollection([new("hostBuilder:reloadConfigOnChange", "false")]);
        return new HostApplicationBuilderSettings { Configuration = configuration };
    }

    private static void ConfigureLogging(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
    }

    /// <summary>How often a node that is not yet a member says so.</summary>
    private static readonly TimeSpan NotJoinedReportInterval = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Until this node is Up, logs an error every few seconds naming the seeds it tries: Akka's own warning names
    /// them only after some attempts and not at all while a join is pending, so a wrong seed list looked like a hang.
    /// </summary>
    private static ICancelable ReportWhileNotJoined(ActorSystem system, Cluster cluster)
    {
        var started = DateTime.UtcNow;
        string seeds = string.Join(", ", cluster.Settings.SeedNodes);
        return system.Scheduler.Advanced.ScheduleRepeatedlyCancelable(NotJoinedReportInterval, NotJoinedReportInterval, () =>
        {
            // Before it joins, the node's own member status is not meaningful (Removed); Up cancels this timer.
            if (cluster.IsTerminated) return; // stopping (e.g. to start again as a new incarnation)
            system.Log.Error("not a cluster member {0:F0} s after start: tried seeds [{1}]; is a seed running there, and does every process list the same seeds?",
                (DateTime.UtcNow - started).TotalSeconds, seeds);
        });
    }

    private static void StartBroker(ActorSystem system, MessageStore store, Akka.Configuration.Config config, NamingSettings naming,
        MetadataStartup.Outcome metadata)
    {
        var settings = Broker.BrokerSettings.FromConfig(config);
        string name = $"{settings.BrokerName}-{settings.BrokerId}";
        var parts = new BrokerParts(
            subscriber => TopicConfigActor.Props(name, subscriber, backup: metadata.Settings, restore: metadata.Restore),
            OffsetStoreActor.Props(name, backup: metadata.Settings, restore: metadata.Restore),
            BrokerPublisher.Props(naming));
        system.ActorOf(BrokerActor.Props(store, settings, parts), BrokerActor.Name);
    }
}
