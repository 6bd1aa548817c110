using Akka.Configuration;

namespace Rocket.Settings;

/// <summary>Reads typed values from one HOCON section; every failure names the full key.</summary>
/// <param name="root">The whole configuration, for values that name another block (<see cref="Dispatcher"/>).</param>
internal sealed class SettingsReader(Akka.Configuration.Config section, string prefix, Akka.Configuration.Config? root = null)
{
    /// <summary>
    /// A dispatcher id: one of Akka's own (<c>akka.*</c>), or a block of the configuration that sets its type or
    /// executor. Akka runs an actor whose dispatcher it cannot find on the default dispatcher and only logs it.
    /// </summary>
    public string Dispatcher(string key)
    {
        var id = Text(key);
        if (id.StartsWith("akka.", StringComparison.Ordinal)) return id;
        var config = root ?? throw new InvalidOperationException($"{prefix}{key}: this reader has no root configuration");
        bool configured;
        try { configured = config.HasPath(id + ".type") || config.HasPath(id + ".executor"); }
        catch (Exception) { configured = false; } // a path through a non-object value
        return configured ? id : throw new ConfigurationException(
            $"{prefix}{key} = \"{id}\" names no dispatcher: the configuration has no block {id} with a type or an executor");
    }

    public string Text(string key)
    {
        var v = section.GetString(key);
        return string.IsNullOrWhiteSpace(v) ? throw new ConfigurationException($"{prefix}{key} must be set") : v;
    }

    /// <summary>The text of <paramref name="key"/>, empty when it is empty or absent (for keys where empty means "none").</summary>
    public string TextOrEmpty(string key) => section.GetString(key) ?? "";

    public bool Bool(string key)
    {
        try { return section.GetBoolean(key); }
        catch (Exception e) { throw new ConfigurationException($"{prefix}{key} must be on or off: {e.Message}"); }
    }

    public int Int(string key, int min, int max)
    {
        int v;
        try { v = section.GetInt(key); }
        catch (Exception e) { throw new ConfigurationException($"{prefix}{key} must be a whole number: {e.Message}"); }
        return v < min || v > max ? throw new ConfigurationException($"{prefix}{key} = {v} is outside {min}..{max}") : v;
    }

    public long Long(string key, long min, long max)
    {
        long v;
        try { v = section.GetLong(key); }
        catch (Exception e) { throw new ConfigurationException($"{prefix}{key} must be a whole number: {e.Message}"); }
        return v < min || v > max ? throw new ConfigurationException($"{prefix}{key} = {v} is outside {min}..{max}") : v;
    }

    public int Bytes(string key, long min, long max)
    {
        long? v;
        try { v = section.GetByteSize(key); }
        catch (Exception e) { throw new ConfigurationException($"{prefix}{key} must be a byte size such as 64m: {e.Message}"); }
        if (v is null) throw new ConfigurationException($"{prefix}{key} must be set");
        return v < min || v > max ? throw new ConfigurationException($"{prefix}{key} = {v} bytes is outside {min}..{max}") : (int)v.Value;
    }

    public TimeSpan Duration(string key)
    {
        TimeSpan v;
        try { v = section.GetTimeSpan(key); }
        catch (Exception e) { throw new ConfigurationException($"{prefix}{key} must be a duration such as 500ms: {e.Message}"); }
        return v <= TimeSpan.Zero ? throw new ConfigurationException($"{prefix}{key} must be positive, got {v}") : v;
    }

    public string[] TextList(string key)
    {
        try { return section.GetStringList(key).ToArray(); }
        catch (Exception e) { throw new ConfigurationException($"{prefix}{key} must be a list of strings: {e.Message}"); }
    }
}
