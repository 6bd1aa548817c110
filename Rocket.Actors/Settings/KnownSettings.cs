using Akka.Configuration;

namespace Rocket.Settings;

/// <summary>
/// The <c>rocket.*</c> settings Rocket reads: every key of its embedded <c>.conf</c> files (reference.conf, the hosts'
/// and the client's defaults). A key outside them is a mistake (a misspelling would otherwise silently leave the
/// default in force, issue 8), so configurations are checked against them at start.
/// </summary>
public static class KnownSettings
{
    private const string Root = "rocket";

    /// <summary>Every valid <c>rocket.*</c> leaf path.</summary>
    public static IReadOnlySet<string> Keys => Known.Value.Keys;

    private static readonly Lazy<(HashSet<string> Keys, HashSet<string> Sections, string[] OpenSections)> Known = new(() =>
    {
        var assembly = typeof(KnownSettings).Assembly;
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var open = new List<string>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.EndsWith(".conf", StringComparison.Ordinal)))
        {
            var config = RocketConfig.Load(resource);
            keys.UnionWith(ConfigPaths.Leaves(config, Root));
            // A dispatcher section (it names an executor) takes any of Akka's dispatcher settings, which Akka checks.
            open.AddRange(ConfigPaths.Objects(config, Root, o => o.Items.ContainsKey("executor")));
        }
        var sections = keys.SelectMany(Parents).ToHashSet(StringComparer.Ordinal);
        return (keys, sections, open.Distinct().Select(p => p + ".").ToArray());
    });

    /// <summary>Whether Rocket reads <paramref name="path"/> (a full <c>rocket.*</c> leaf path).</summary>
    public static bool IsKnown(string path) =>
        Known.Value.Keys.Contains(path) || Known.Value.OpenSections.Any(s => path.StartsWith(s, StringComparison.Ordinal));

    private static IEnumerable<string> Parents(string path)
    {
        for (int dot = path.LastIndexOf('.'); dot > 0; dot = path.LastIndexOf('.', dot - 1)) yield return path[..dot];
    }

    /// <summary>The valid setting closest to <paramref name="path"/>.</summary>
    public static string Closest(string path) => EditDistance.Closest(path, Known.Value.Keys);

    /// <summary>
    /// Throws <see cref="ConfigurationException"/> naming every <c>rocket.*</c> key of <paramref name="config"/> (and its
    /// fallbacks) that Rocket does not read, each with the closest valid one; <paramref name="source"/> says where the
    /// keys came from (e.g. "configuration file x.hocon").
    /// </summary>
    public static void Check(Akka.Configuration.Config config, string? source = null)
    {
        // An empty section is harmless where Rocket has that section (e.g. a template's "rocket.cluster { }").
        var unknown = ConfigPaths.Ends(config, Root)
            .Where(e => e.EmptyObject ? !Known.Value.Sections.Contains(e.Path) && !IsKnown(e.Path) : !IsKnown(e.Path))
            .Select(e => e.Path).ToList();
        if (unknown.Count == 0) return;
        string where = source is null ? "" : $" in {source}";
        throw new ConfigurationException(string.Join("; ", unknown.Select(p => $"unknown setting {p} (did you mean {Closest(p)}?){where}")));
    }
}
