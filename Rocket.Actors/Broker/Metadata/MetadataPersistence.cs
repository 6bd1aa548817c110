using Microsoft.Data.Sqlite;

namespace Rocket.Broker.Metadata;

/// <summary>
/// Where and how broker metadata (topic configs, consumer offsets) is persisted: Akka.Persistence.Sql journal and
/// snapshot store on one embedded SQLite file, so a broker needs no database server to keep its metadata.
/// </summary>
public static class MetadataPersistence
{
    public const string DatabaseFileName = "metadata.db";

    /// <summary>{storeDirectory}/metadata/metadata.db</summary>
    public static string DatabasePath(string storeDirectory) =>
        Path.Combine(Path.GetFullPath(storeDirectory), "metadata", DatabaseFileName);

    /// <summary>
    /// HOCON to put in front of a broker's config: journal, snapshot store and the metadata serializer, with the
    /// journal's writes on <paramref name="databaseDispatcher"/> (<see cref="MetadataSettings.DatabaseDispatcher"/>).
    /// Creates the folder (SQLite creates files, not folders) and switches the file to WAL, which SQLite remembers
    /// in the file itself: commits then append to the WAL and fsync it once, instead of rewriting pages.
    /// </summary>
    public static Akka.Configuration.Config Config(string storeDirectory, string databaseDispatcher)
    {
        string path = DatabasePath(storeDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        UseWriteAheadLog(path);
        string connection = Quote(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Pooling = true,
            // Journal and snapshot store are two writers on one file: wait for the lock rather than fail.
            DefaultTimeout = 30,
        }.ToString());

        return Akka.Configuration.ConfigurationFactory.ParseString($$"""
            akka.persistence {
              journal {
                plugin = "akka.persistence.journal.sql"
                sql {
                  class = "Akka.Persistence.Sql.Journal.SqlWriteJournal, Akka.Persistence.Sql"
                  connection-string = {{connection}}
                  provider-name = "SQLite.MS"
                  auto-initialize = on
                  # SQLite has one writer at a time; more writers only contend for its lock.
                  parallelism = 1
                  # Events queued behind the running transaction go into the next one (group commit).
                  batch-size = 1000
                  # A flood of offset commits must queue, not be rejected.
                  buffer-size = 200000
                  # Rocket tags nothing; the tag table would only cost a write per event.
                  tag-write-mode = Csv
                  # SQLite's async calls run synchronously: the stream that makes them is where the writes block.
                  materializer-dispatcher = {{Quote(databaseDispatcher)}}
                }
              }
              snapshot-store {
                plugin = "akka.persistence.snapshot-store.sql"
                sql {
                  class = "Akka.Persistence.Sql.Snapshot.SqlSnapshotStore, Akka.Persistence.Sql"
                  connection-string = {{connection}}
                  provider-name = "SQLite.MS"
                  auto-initialize = on
                }
              }
            }
            akka.actor {
              serializers.rocket-metadata = "Rocket.Broker.Metadata.MetadataSerializer, Rocket.Actors"
              serialization-bindings {
                "Rocket.Broker.Metadata.IMetadataRecord, Rocket.Actors" = rocket-metadata
              }
              serialization-identifiers {
                "Rocket.Broker.Metadata.MetadataSerializer, Rocket.Actors" = {{MetadataSerializer.Id}}
              }
            }
            """);
    }

    private static void UseWriteAheadLog(string path)
    {
        try
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL;";
            command.ExecuteScalar();
        }
        catch (SqliteException e)
        {
            // Otherwise a bare SQLite error without the path, from deep inside the host.
            throw new Recovery.MetadataRecoveryException($"cannot open metadata database {path}: {e.Message}");
        }
    }

    /// <summary>A HOCON quoted string: paths may hold characters HOCON would otherwise parse.</summary>
    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
