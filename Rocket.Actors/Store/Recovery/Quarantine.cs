using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Rocket.Store.Recovery;

/// <summary>One thing recovery set aside: where it came from, why, and where it is now.</summary>
public sealed record QuarantineItem(string Kind, string Source, long LogOffset, long Length, string Reason, string? SavedAs);

/// <summary>
/// Where recovery puts what it cuts or overwrites, so nothing is deleted outright: <c>&lt;store&gt;/quarantine/&lt;UTC
/// time&gt;/</c> holds copies of byte ranges, moved whole files and a <c>manifest.json</c> listing every item (file,
/// offsets, reason). The folder is created on first use; a recovery that touches nothing leaves no trace. Each copy
/// is on disk (fsync) before the caller changes the original.
/// </summary>
public sealed class Quarantine
{
    public const string FolderName = "quarantine";
    public const string ManifestName = "manifest.json";

    private readonly string _root;
    private readonly ILogger _log;
    private readonly DateTimeOffset _now;
    private readonly List<QuarantineItem> _items = [];
    private string? _folder;

    public Quarantine(string storeDirectory, ILogger log, TimeProvider time)
    {
        _root = Path.Combine(storeDirectory, FolderName);
        _log = log;
        _now = time.GetUtcNow();
    }

    /// <summary>The folder of this recovery, or null while nothing was quarantined.</summary>
    public string? Folder => _folder;

    public IReadOnlyList<QuarantineItem> Items => _items;

    /// <summary>Copies <paramref name="bytes"/> (log range starting at <paramref name="logOffset"/> of <paramref name="sourceFile"/>) to disk.</summary>
    public string SaveBytes(string sourceFile, long logOffset, ReadOnlySpan<byte> bytes, string reason)
    {
        string path = Path.Combine(EnsureFolder(), $"{Path.GetFileName(Path.GetDirectoryName(sourceFile))}-{logOffset:D20}-{bytes.Length}.bin");
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        Add(new QuarantineItem("bytes", sourceFile, logOffset, bytes.Length, reason, path));
        return path;
    }

    /// <summary>Moves a whole file (e.g. a commit-log segment after a torn tail) into the quarantine folder.</summary>
    public string MoveFile(string sourceFile, long logOffset, long length, string reason)
    {
        string directory = Path.Combine(EnsureFolder(), Path.GetFileName(Path.GetDirectoryName(sourceFile)) ?? "");
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, Path.GetFileName(sourceFile));
        File.Move(sourceFile, path); // same file system: a rename, so even a 1 GiB segment costs nothing
        Add(new QuarantineItem("file", sourceFile, logOffset, length, reason, path));
        return path;
    }

    /// <summary>Records a change that kept no bytes worth saving (e.g. consume-queue slots that pointed at cut records).</summary>
    public void Note(string source, long logOffset, long length, string reason) =>
        Add(new QuarantineItem("note", source, logOffset, length, reason, null));

    private string EnsureFolder()
    {
        if (_folder is not null) return _folder;
        string name = _now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'.'fff'Z'", CultureInfo.InvariantCulture);
        string folder = Path.Combine(_root, name);
        for (int i = 1; Directory.Exists(folder); i++) folder = Path.Combine(_root, $"{name}-{i}");
        Directory.CreateDirectory(folder);
        return _folder = folder;
    }

    private void Add(QuarantineItem item)
    {
        _items.Add(item);
        WriteManifest();
        _log.LogWarning("Recovery quarantined {Kind} of {Source} at log offset {Offset} ({Length} bytes): {Reason}{SavedAs}",
            item.Kind, item.Source, item.LogOffset, item.Length, item.Reason, item.SavedAs is null ? "" : $"; kept as {item.SavedAs}");
    }

    private void WriteManifest()
    {
        string folder = EnsureFolder();
        string temporary = Path.Combine(folder, ManifestName + ".tmp");
        var manifest = new
        {
            created = _now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            items = _items.Select(i => new
            {
                kind = i.Kind, source = i.Source, log_offset = i.LogOffset, length = i.Length, reason = i.Reason, saved_as = i.SavedAs,
            }),
        };
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            JsonSerializer.Serialize(stream, manifest, new JsonSerializerOptions { WriteIndented = true });
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, Path.Combine(folder, ManifestName), overwrite: true);
    }
}
