using Akka.Configuration;

namespace Rocket.Settings;

/// <summary>Reads typed values from one HOCON section; every failure names the full key.</summary>
internal sealed class SettingsReader(Akka.Configuration.Config section, string prefix)
{
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
