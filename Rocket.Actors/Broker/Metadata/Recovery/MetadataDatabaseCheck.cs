using Microsoft.Data.Sqlite;

namespace Rocket.Broker.Metadata.Recovery;

/// <summary>What the metadata database file holds, as far as start-up needs to know.</summary>
public enum DatabaseState
{
    /// <summary>No file.</summary>
    Missing,
    /// <summary>A readable SQLite file without a single stored event or snapshot (new, or truncated).</summary>
    Empty,
    /// <summary>Readable and holds metadata.</summary>
    Intact,
    /// <summary>Not an SQLite database, or SQLite reports corruption.</summary>
    Damaged,
}

/// <summary>The state of the file and, when <see cref="DatabaseState.Damaged"/>, SQLite's words for it.</summary>
public sealed record DatabaseCheck(DatabaseState State, string? Problem = null);

/// <summary>
/// Looks at the metadata database before the journal opens it, so a damaged file is reported by name (the journal
/// would fail with a bare SQLite error deep inside Akka.Persistence).
/// </summary>
public static class MetadataDatabaseCheck
{
    // SQLite result codes (https://sqlite.org/rescode.html): the file's bytes are bad, as opposed to the file being
    // unreachable (permissions, locks, I/O), which moving it aside would not fix.
    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;

    /// <summary>Throws <see cref="MetadataRecoveryException"/> when the file cannot be read at all.</summary>
    public static DatabaseCheck Inspect(string path)
    {
        if (Directory.Exists(path))
            throw new MetadataRecoveryException($"metadata database {path} is a directory, not a file; move it away and start again");
        if (!File.Exists(path)) return new DatabaseCheck(DatabaseState.Missing);
        try
        {
            // ReadWrite, not ReadWriteCreate: never create the file here; not read-only: SQLite must be able to replay its WAL.
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false, DefaultTimeout = 5,
            }.ToString());
            connection.Open();
            string check = Scalar(connection, "PRAGMA quick_check;") as string ?? "no answer";
            if (check != "ok") return new DatabaseCheck(DatabaseState.Damaged, "SQLite integrity check: " + check);
            long tables = (long)Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('journal', 'snapshot');")!;
            if (tables < 2) return new DatabaseCheck(DatabaseState.Empty);
            long rows = (long)Scalar(connection, "SELECT (SELECT COUNT(*) FROM journal) + (SELECT COUNT(*) FROM snapshot);")!;
            return new DatabaseCheck(rows == 0 ? DatabaseState.Empty : DatabaseState.Intact);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is SqliteCorrupt or SqliteNotADatabase)
        {
            return new DatabaseCheck(DatabaseState.Damaged, e.Message);
        }
        catch (SqliteException e)
        {
            throw new MetadataRecoveryException(
                $"cannot read metadata database {path}: {e.Message}; check the file's owner and permissions and that no other process holds it");
        }
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
