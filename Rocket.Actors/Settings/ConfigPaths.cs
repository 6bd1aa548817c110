using Akka.Configuration.Hocon;

namespace Rocket.Settings;

/// <summary>The setting paths a parsed HOCON configuration holds.</summary>
internal static class ConfigPaths
{
    /// <summary>Every leaf path (a value that is not an object) under <paramref name="root"/>, in this config and its fallbacks.</summary>
    public static IEnumerable<string> Leaves(Akka.Configuration.Config config, string root) =>
        Ends(config, root).Where(e => !e.EmptyObject).Select(e => e.Path);

    /// <summary>
    /// Every leaf path under <paramref name="root"/> and every empty object's path (so that <c>rocket.stor {}</c> is seen),
    /// in this config and its fallbacks.
    /// </summary>
    public static IEnumerable<(string Path, bool EmptyObject)> Ends(Akka.Configuration.Config config, string root)
    {
        var seen = new HashSet<(string, bool)>();
        for (var layer = config; layer is not null; layer = layer.Fallback)
        {
            if (layer.Root is not { } value || !value.IsObject()) continue;
            if (!value.GetObject().Items.TryGetValue(root, out var top)) continue;
            foreach (var end in Ends(top, root))
                if (seen.Add(end)) yield return end;
        }
    }

    private static IEnumerable<(string Path, bool EmptyObject)> Ends(HoconValue value, string path)
    {
        if (!value.IsObject())
        {
            yield return (path, false);
            yield break;
        }
        var items = value.GetObject().Items;
        if (items.Count == 0) yield return (path, true);
        foreach (var (key, child) in items)
            foreach (var end in Ends(child, $"{path}.{key}"))
                yield return end;
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
