namespace Rocket.Settings;

/// <summary>
/// Structural checks Akka's lenient HOCON parser skips (it silently accepts a file cut in half): balanced braces and
/// brackets, terminated strings, no key left without a value at the end. Errors name the file and line.
/// </summary>
public static class HoconLint
{
    public static void Check(string text, string source)
    {
        var open = new Stack<(char Bracket, int Line)>();
        int line = 1;
        char lastSignificant = '\0';
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\n') { line++; continue; }
            if (c == '#' || (c == '/' && i + 1 < text.Length && text[i + 1] == '/'))
            {
                while (i + 1 < text.Length && text[i + 1] != '\n') i++;
                continue;
            }
            if (c == '"')
            {
                i = SkipString(text, i, ref line, source);
                lastSignificant = '"';
                continue;
            }
            if (c is '{' or '[') open.Push((c, line));
            else if (c is '}' or ']')
            {
                char expected = c == '}' ? '{' : '[';
                if (open.Count == 0 || open.Peek().Bracket != expected)
                    throw Error(source, line, $"'{c}' does not close anything" + (open.Count > 0 ? $" ('{open.Peek().Bracket}' from line {open.Peek().Line} is still open)" : ""));
                open.Pop();
            }
            if (!char.IsWhiteSpace(c)) lastSignificant = c;
        }
        if (open.Count > 0) throw Error(source, open.Peek().Line, $"'{open.Peek().Bracket}' is never closed");
        if (lastSignificant is '=' or ':') throw Error(source, line, "the last setting has no value");
    }

    private static int SkipString(string text, int start, ref int line, string source)
    {
        if (string.CompareOrdinal(text, start, "\"\"\"", 0, 3) == 0)
        {
            int end = text.IndexOf("\"\"\"", start + 3, StringComparison.Ordinal);
            if (end < 0) throw Error(source, line, "a \"\"\" string is never closed");
            line += text.AsSpan(start, end - start).Count('\n');
            return end + 2;
        }
        for (int i = start + 1; i < text.Length; i++)
        {
            if (text[i] == '\\') { i++; continue; }
            if (text[i] == '"') return i;
            if (text[i] == '\n') break;
        }
        throw Error(source, line, "a quoted string is never closed on its line");
    }

    private static Akka.Configuration.ConfigurationException Error(string source, int line, string what) =>
        new($"{source}, line {line}: {what}");
}
