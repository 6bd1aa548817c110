using Akka.Actor;
using Akka.Event;
using Microsoft.Extensions.Logging;
using Rocket.Broker;
using Rocket.Broker.Metadata;
using Rocket.Broker.Metadata.Backup;
using Rocket.Broker.Metadata.Recovery;
using Rocket.Store;

namespace Rocket.Hosting;

/// <summary>
/// The broker host's part in keeping metadata recoverable: before the actor system starts, check the metadata
/// database and prepare a restore if it was lost (<see cref="MetadataRecovery"/>); at a clean stop, write the backups.
/// </summary>
internal static class MetadataStartup
{
    /// <summary>
    /// Either the settings, what to restore (null: nothing) and the journal's HOCON (to put in front of the node's), or
    /// the exit code of a refusal already reported on stderr.
    /// </summary>
    public sealed record Outcome(MetadataSettings? Settings, MetadataRestore? Restore, Akka.Configuration.Config? Persistence, int? ExitCode);

    public static async Task<Outcome> PrepareAsync(NodeRole role, Akka.Configuration.Config config, MessageStore store)
    {
        string who = $"rocket {role.ToString().ToLowerInvariant()}";
        MetadataSettings settings;
        try
        {
            settings = MetadataSettings.FromConfig(config, store.Settings.Directory);
        }
        catch (Akka.Configuration.ConfigurationException e)
        {
            await Console.Error.WriteLineAsync($"{who}: configuration error: {e.Message}");
            return new Outcome(null, null, null, NodeExitCode.BadConfiguration);
        }
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; }));
        try
        {
            var restore = MetadataRecovery.Prepare(store.Settings.Directory,
                store.ConsumeQueues.All.Select(q => (q.Topic, q.QueueId)), settings, loggers.CreateLogger("Rocket.Broker.Metadata"));
            return new Outcome(settings, restore, MetadataPersistence.Config(store.Settings.Directory, settings.DatabaseDispatcher), null);
        }
        catch (MetadataRecoveryException e)
        {
            await Console.Error.WriteLineAsync($"{who}: cannot start the broker: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"{who}: cannot start the broker: metadata folder {Path.GetDirectoryName(MetadataPersistence.DatabasePath(store.Settings.Directory))}: {e.Message}");
        }
        return new Outcome(null, null, null, NodeExitCode.CannotStart);
    }

    /// <summary>
    /// At a clean stop, after the node left the cluster and before the actors stop, the metadata actors write their
    /// backup files (offsets are otherwise written only every flush-consumer-offset-interval).
    /// </summary>
    public static void BackupAtShutdown(ActorSystem system)
    {
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "metadata-backup", async () =>
        {
            try
            {
                var flushed = await system.ActorSelection("/user/" + BrokerActor.Name)
                    .Ask<MetadataBackupFlushed>(FlushMetadataBackup.Instance, TimeSpan.FromSeconds(4));
                foreach (var error in flushed.Errors) system.Log.Error("stopping: {0}", error);
            }
            catch (Exception e)
            {
                system.Log.Error("stopping: the metadata backup was not written: {0}", e.Message);
            }
            return Akka.Done.Instance;
        });
    }
}
