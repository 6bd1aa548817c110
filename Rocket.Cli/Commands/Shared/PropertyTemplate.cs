using System.CommandLine;
using System.Globalization;
using System.Text;

namespace Rocket.Cli.Commands.Shared;

/// <summary>
/// A user property for generated messages, from <c>--prop NAME=VALUE</c>: in VALUE, <c>{i}</c> becomes the message's
/// sequence number and <c>{i%N}</c> that number modulo N (so <c>a={i%10}</c> gives a = 0 to one message in ten).
/// </summary>
public sealed class PropertyTemplate
{
    private readonly (string Text, long? Modulo, bool IsSeq)[] _parts;

    private PropertyTemplate(string name, string value, (string, long?, bool)[] parts)
    {
        Name = name;
        Value = value;
        _parts = parts;
    }

    public string Name { get; }
    /// <summary>The value as written, placeholders included.</summary>
    public string Value { get; }

    /// <exception cref="FormatException">Says what is wrong with <paramref name="text"/>.</exception>
    public static PropertyTemplate Parse(string text)
    {
        int equals = text.IndexOf('=');
        if (equals <= 0) throw new FormatException($"--prop '{text}' must be NAME=VALUE");
        string name = text[..equals], value = text[(equals + 1)..];
        if (name.AsSpan().IndexOfAny('\u0001', '\u0002') >= 0 || value.AsSpan().IndexOfAny('\u0001', '\u0002') >= 0)
            throw new FormatException($"--prop '{name}' contains a reserved separator character (\\u0001 or \\u0002)");
        var parts = new List<(string, long?, bool)>();
        var literal = new StringBuilder();
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] != '{') { literal.Append(value[i]); continue; }
            int close = value.IndexOf('}', i);
            if (close < 0) throw new FormatException($"--prop {name}: '{{' at position {i + 1} of '{value}' is not closed (placeholders are {{i}} and {{i%N}})");
            string placeholder = value[(i + 1)..close];
            long? modulo = null;
            if (placeholder.StartsWith("i%", StringComparison.Ordinal)
                && long.TryParse(placeholder[2..], NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n > 0)
                modulo = n;
            else if (placeholder != "i")
                throw new FormatException($"--prop {name}: unknown placeholder '{{{placeholder}}}' in '{value}' (placeholders are {{i}} and {{i%N}} with N > 0)");
            if (literal.Length > 0) { parts.Add((literal.ToString(), null, false)); literal.Clear(); }
            parts.Add(("", modulo, true));
            i = close;
        }
        if (literal.Length > 0 || parts.Count == 0) parts.Add((literal.ToString(), null, false));
        return new PropertyTemplate(name, value, parts.ToArray());
    }

    /// <summary>The value for message number <paramref name="seq"/>.</summary>
    public string Render(long seq)
    {
        if (_parts.Length == 1 && !_parts[0].IsSeq) return _parts[0].Text;
        var value = new StringBuilder();
        foreach (var (text, modulo, isSeq) in _parts)
            if (!isSeq) value.Append(text);
            else value.Append((modulo is { } m ? seq % m : seq).ToString(CultureInfo.InvariantCulture));
        return value.ToString();
    }

    /// <summary>The repeatable <c>--prop NAME=VALUE</c> option, checked at parse time.</summary>
    public static Option<string[]> Option()
    {
        var option = new Option<string[]>("--prop")
        {
            Description = "User property NAME=VALUE on every message (repeatable); {i} in VALUE is the sequence number, {i%N} it modulo N",
        };
        option.Validators.Add(result =>
        {
            foreach (var text in result.GetValueOrDefault<string[]>() ?? [])
            {
                try { Parse(text); }
                catch (FormatException e) { result.AddError(e.Message); }
            }
        });
        return option;
    }

    public static PropertyTemplate[] ParseAll(string[]? texts) => (texts ?? []).Select(Parse).ToArray();
}
