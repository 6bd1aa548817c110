using System.Globalization;

namespace Rocket.Protocol.Filtering;

/// <summary>
/// Splits a SQL92 filter into tokens (RocketMQ's lexical rules): identifiers <c>[A-Za-z_$][A-Za-z0-9_$.]*</c>,
/// case-insensitive keywords, decimal integers (optional <c>L</c> suffix), decimals with a point or an exponent,
/// single-quoted strings (<c>''</c> is a quote), <c>-- line</c> and <c>/* block */</c> comments.
/// </summary>
internal static class SqlLexer
{
    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "AND", "OR", "NOT", "BETWEEN", "IN", "IS", "NULL", "TRUE", "FALSE", "CONTAINS", "STARTSWITH", "ENDSWITH",
    };

    public static List<SqlToken> Tokenize(string expression)
    {
        var tokens = new List<SqlToken>();
        int i = 0;
        while (true)
        {
            i = SkipSpaceAndComments(expression, i);
            if (i >= expression.Length) break;
            char c = expression[i];
            int column = i + 1;
            if (char.IsAsciiLetter(c) || c is '_' or '$')
            {
                int start = i;
                while (i < expression.Length && (char.IsAsciiLetterOrDigit(expression[i]) || expression[i] is '_' or '$' or '.')) i++;
                string word = expression[start..i];
                tokens.Add(Keywords.Contains(word)
                    ? new SqlToken(SqlTokenKind.Keyword, word.ToUpperInvariant(), column)
                    : new SqlToken(SqlTokenKind.Identifier, word, column));
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < expression.Length && char.IsAsciiDigit(expression[i + 1])))
            {
                tokens.Add(Number(expression, ref i));
            }
            else if (c == '\'')
            {
                tokens.Add(StringLiteral(expression, ref i));
            }
            else
            {
                tokens.Add(Symbol(expression, ref i));
            }
        }
        tokens.Add(new SqlToken(SqlTokenKind.End, "", expression.Length + 1));
        return tokens;
    }

    private static int SkipSpaceAndComments(string s, int i)
    {
        while (i < s.Length)
        {
            if (char.IsWhiteSpace(s[i])) i++;
            else if (s[i] == '-' && i + 1 < s.Length && s[i + 1] == '-')
            {
                while (i < s.Length && s[i] is not ('\n' or '\r')) i++;
            }
            else if (s[i] == '/' && i + 1 < s.Length && s[i + 1] == '*')
            {
                int end = s.IndexOf("*/", i + 2, StringComparison.Ordinal);
                if (end < 0) throw new FilterSyntaxException(s, i + 1, "unterminated comment '/*'");
                i = end + 2;
            }
            else break;
        }
        return i;
    }

    private static SqlToken Number(string s, ref int i)
    {
        int start = i;
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        bool isDecimal = false;
        if (i < s.Length && s[i] == '.')
        {
            isDecimal = true;
            i++;
            while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        }
        if (i < s.Length && s[i] is 'e' or 'E')
        {
            int exponent = i++;
            if (i < s.Length && s[i] is '+' or '-') i++;
            if (i >= s.Length || !char.IsAsciiDigit(s[i]))
                throw new FilterSyntaxException(s, exponent + 1, $"malformed number '{s[start..i]}' (an exponent needs digits)");
            while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
            isDecimal = true;
        }
        string text = s[start..i];
        if (!isDecimal && i < s.Length && s[i] is 'L' or 'l') i++; // Java's long suffix, as RocketMQ accepts it
        if (i < s.Length && (char.IsAsciiLetterOrDigit(s[i]) || s[i] is '_' or '$' or '.'))
            throw new FilterSyntaxException(s, start + 1, $"malformed number '{s[start..(i + 1)]}'");
        if (isDecimal)
            return new SqlToken(SqlTokenKind.Decimal, text, start + 1, Decimal: double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
            throw new FilterSyntaxException(s, start + 1, $"number {text} is out of the range of a long");
        return new SqlToken(SqlTokenKind.Integer, text, start + 1, Integer: value);
    }

    private static SqlToken StringLiteral(string s, ref int i)
    {
        int start = i++;
        var text = new System.Text.StringBuilder();
        while (true)
        {
            if (i >= s.Length) throw new FilterSyntaxException(s, start + 1, "unterminated string literal (a quote inside a string is written '')");
            if (s[i] == '\'')
            {
                if (i + 1 < s.Length && s[i + 1] == '\'') { text.Append('\''); i += 2; continue; }
                i++;
                return new SqlToken(SqlTokenKind.String, text.ToString(), start + 1);
            }
            text.Append(s[i++]);
        }
    }

    private static SqlToken Symbol(string s, ref int i)
    {
        int column = i + 1;
        char c = s[i];
        char next = i + 1 < s.Length ? s[i + 1] : '\0';
        string? two = (c, next) switch
        {
            ('<', '>') => "<>", ('>', '=') => ">=", ('<', '=') => "<=", _ => null,
        };
        if (two is not null) { i += 2; return new SqlToken(SqlTokenKind.Symbol, two, column); }
        if ((c, next) is ('!', '=')) throw new FilterSyntaxException(s, column, "unknown operator '!=' (SQL92 writes '<>')");
        if ((c, next) is ('=', '=')) throw new FilterSyntaxException(s, column, "unknown operator '==' (SQL92 writes '=')");
        if ((c, next) is ('&', '&') or ('|', '|'))
            throw new FilterSyntaxException(s, column, $"unknown operator '{c}{next}' (SQL92 writes {(c == '&' ? "AND" : "OR")}; '||' joins tags only in a tag expression)");
        if (c is '=' or '>' or '<' or '(' or ')' or ',' or '+' or '-') { i++; return new SqlToken(SqlTokenKind.Symbol, c.ToString(), column); }
        if (c == '"') throw new FilterSyntaxException(s, column, "unexpected '\"' (string literals are in single quotes)");
        throw new FilterSyntaxException(s, column, $"unexpected character '{c}'");
    }
}
