using Akka.Configuration.Hocon;

namespace Rocket.Settings;

/// <summary>The setting paths a parsed HOCON configuration holds.</summary>
internal static class ConfigPaths
{
    /// <summary>
    /// Every leaf path (a value that is not an object) under <paramref name="root"/>, in this config and its fallbacks.
    /// An empty object counts as a leaf, so <c>rocket.stor {}</c> is still seen.
    /// </summary>
    public static IEnumerable<string> Leaves(Akka.Configuration.Config config, string root)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var layer = config; layer is not null; layer = layer.Fallback)
        {
            if (layer.Root is not { } value || !value.IsObject()) continue;
            if (!value.GetObject().Items.TryGetValue(root, out var top)) continue;
            foreach (var path in Leaves(top, root))
                if (seen.Add(path)) yield return path;
        }
    }

    private static IEnumerable<string> Leaves(HoconValue value, string path)
    {
        if (!value.IsObject() || value.GetObject().Items.Count == 0)
        {
            yield return path;
            yield break;
        }
        foreach (var (key, child) in value.GetObject().Items)
            foreach (var leaf in Leaves(child, $"{path}.{key}"))
                yield return leaf;
    }

    /// <summary>The object paths under <paramref name="root"/> (in this config and its fallbacks) for which <paramref name="open"/> holds.</summary>
    public static IEnumerable<string> Objects(Akka.Configuration.Config config, string root, Func<HoconObject, bool> open)
    {
        for (var layer = config; layer is not null; layer = layer.Fallback)
        {
            if (layer.Root is not { } value || !value.IsObject()) continue;
            if (!value.GetObject().Items.TryGetValue(root, out var top)) continue;
            foreach (var path in Objects(top, root, open)) yield return path;
        }
    }

    private static IEnumerable<string> Objects(HoconValue value, string path, Func<HoconObject, bool> open)
    {
        if (!value.IsObject()) yield break;
        var obj = value.GetObject();
        if (open(obj))
        {
            yield return path;
            yield break;
        }
        foreach (var (key, child) in obj.Items)
            foreach (var found in Objects(child, $"{path}.{key}", open))
                yield return found;
    }
}
