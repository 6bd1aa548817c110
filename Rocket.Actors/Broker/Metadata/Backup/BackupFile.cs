namespace Rocket.Broker.Metadata.Backup;

/// <summary>
/// One backup file and its previous version (<c>name.bak</c>), as RocketMQ keeps <c>consumerOffset.json.bak</c>.
/// A write goes to <c>name.tmp</c>, is flushed to disk, the current file becomes <c>.bak</c> and the temp file takes
/// its name: a crash at any point leaves at least one complete version, never a half-written one under the real name.
/// </summary>
public sealed class BackupFile(string path)
{
    public string Path { get; } = path;
    public string PreviousPath => Path + ".bak";
    private string TempPath => Path + ".tmp";

    public bool AnyExists => File.Exists(Path) || File.Exists(PreviousPath);

    /// <summary>Blocking: call only from a thread that may block (the backup writer's dispatcher, start-up).</summary>
    public void Write(byte[] content)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        using (var temp = new FileStream(TempPath, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            temp.Write(content);
            temp.Flush(flushToDisk: true);
        }
        if (File.Exists(Path)) File.Move(Path, PreviousPath, overwrite: true);
        File.Move(TempPath, Path, overwrite: true);
    }

    /// <summary>
    /// The newest version <paramref name="parse"/> accepts: the file, else its <c>.bak</c>. Null when neither exists;
    /// throws <see cref="BackupFileException"/> naming both files when each exists but is unreadable or damaged.
    /// <paramref name="problems"/> collects why a version was passed over.
    /// </summary>
    public Loaded<T>? Read<T>(Func<byte[], T> parse, List<string> problems)
    {
        var failures = new List<string>();
        foreach (var candidate in new[] { Path, PreviousPath })
        {
            if (!File.Exists(candidate)) continue;
            try
            {
                return new Loaded<T>(parse(File.ReadAllBytes(candidate)), candidate, File.GetLastWriteTimeUtc(candidate));
            }
            catch (Exception e) when (e is BackupFormatException or IOException or UnauthorizedAccessException)
            {
                string problem = $"{candidate} is unusable: {e.Message}";
                failures.Add(problem);
                problems.Add(problem);
            }
        }
        return failures.Count == 0 ? null : throw new BackupFileException(string.Join("; ", failures));
    }

    /// <summary>A version that was read: its content, the file it came from and when that file was written.</summary>
    public sealed record Loaded<T>(T Content, string File, DateTime WrittenUtc);
}

/// <summary>A backup file's bytes are not the format this Rocket writes; the message says where.</summary>
public sealed class BackupFormatException(string message) : Exception(message);

/// <summary>Every existing version of a backup file is unusable; the message names each and why.</summary>
public sealed class BackupFileException(string message) : Exception(message);
