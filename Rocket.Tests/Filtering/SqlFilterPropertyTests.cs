using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Rocket.Protocol;
using Rocket.Protocol.Filtering;

namespace Rocket.Tests.Filtering;

/// <summary>
/// FsCheck: random conditions, written out as SQL92 text (with as few parentheses as precedence allows, or with all of
/// them), compile and evaluate on random messages exactly as a plain reference evaluator of the same tree says.
/// </summary>
public class SqlFilterPropertyTests
{
    // A small model of the grammar, evaluated directly: null is SQL's unknown.
    private abstract record Expr;
    private sealed record Compare(string Name, string Op, long Literal) : Expr;
    private sealed record TextEquals(string Name, bool Equal, string Literal) : Expr;
    private sealed record NullTest(string Name, bool IsNull) : Expr;
    private sealed record InSet(string Name, string[] Values, bool Negated) : Expr;
    private sealed record Match(string Name, string Keyword, string Search, bool Negated) : Expr;
    private sealed record Range(string Name, long Low, long High, bool Negated) : Expr;
    private sealed record Both(Expr Left, Expr Right) : Expr;
    private sealed record Either(Expr Left, Expr Right) : Expr;
    private sealed record Negation(Expr Operand) : Expr;
    private sealed record Constant(bool Value) : Expr;

    private static readonly string[] Names = ["a", "b", "TAGS"];
    private static readonly string[] Values = ["0", "1", "2", "-1", "10", "1.5", "x", "ab", ""];
    private static readonly string[] Texts = ["0", "1", "x", "ab", "it's"];

    private static readonly Gen<string> Name = Gen.Elements(Names);

    private static Gen<Expr> Leaf() => Gen.OneOf(
        from n in Name from op in Gen.Elements("=", "<>", ">", ">=", "<", "<=") from v in Gen.Choose(-2, 11) select (Expr)new Compare(n, op, v),
        from n in Name from eq in ArbMap.Default.GeneratorFor<bool>() from t in Gen.Elements(Texts) select (Expr)new TextEquals(n, eq, t),
        from n in Name from isNull in ArbMap.Default.GeneratorFor<bool>() select (Expr)new NullTest(n, isNull),
        from n in Name from values in Gen.Elements(Texts).NonEmptyListOf() from not in ArbMap.Default.GeneratorFor<bool>()
            select (Expr)new InSet(n, values.ToArray(), not),
        from n in Name from k in Gen.Elements("CONTAINS", "STARTSWITH", "ENDSWITH") from s in Gen.Elements("1", "x", "a", "b")
            from not in ArbMap.Default.GeneratorFor<bool>() select (Expr)new Match(n, k, s, not),
        from n in Name from low in Gen.Choose(-1, 5) from width in Gen.Choose(0, 5) from not in ArbMap.Default.GeneratorFor<bool>()
            select (Expr)new Range(n, low, low + width, not),
        from b in ArbMap.Default.GeneratorFor<bool>() select (Expr)new Constant(b));

    private static Gen<Expr> ExprGen(int size) => size <= 1 ? Leaf() : Gen.Frequency(
        (3, Leaf()),
        (2, from l in ExprGen(size / 2) from r in ExprGen(size / 2) select (Expr)new Both(l, r)),
        (2, from l in ExprGen(size / 2) from r in ExprGen(size / 2) select (Expr)new Either(l, r)),
        (1, from e in ExprGen(size - 1) select (Expr)new Negation(e)));

    private static readonly Gen<Dictionary<string, string>> MessageGen =
        from values in Gen.Elements(Values.Append("<missing>").ToArray()).ArrayOf(Names.Length)
        select Enumerable.Range(0, Names.Length).Where(i => values[i] != "<missing>").ToDictionary(i => Names[i], i => values[i]);

    private static bool? Reference(Expr e, IReadOnlyDictionary<string, string> m)
    {
        switch (e)
        {
            case Compare c:
                if (!m.TryGetValue(c.Name, out var v) || !TryNumber(v, out double d)) return null;
                return c.Op switch
                {
                    "=" => d == c.Literal, "<>" => d != c.Literal, ">" => d > c.Literal, ">=" => d >= c.Literal, "<" => d < c.Literal, _ => d <= c.Literal,
                };
            case TextEquals t:
                return m.TryGetValue(t.Name, out var tv) ? (tv == t.Literal) == t.Equal : null;
            case NullTest n:
                return m.ContainsKey(n.Name) == !n.IsNull;
            case InSet s:
                return m.TryGetValue(s.Name, out var sv) ? s.Values.Contains(sv) != s.Negated : null;
            case Match x:
                if (!m.TryGetValue(x.Name, out var xv)) return false;
                bool found = x.Keyword switch
                {
                    "CONTAINS" => xv.Contains(x.Search, StringComparison.Ordinal),
                    "STARTSWITH" => xv.StartsWith(x.Search, StringComparison.Ordinal),
                    _ => xv.EndsWith(x.Search, StringComparison.Ordinal),
                };
                return found != x.Negated;
            case Range r:
                if (!m.TryGetValue(r.Name, out var rv) || !TryNumber(rv, out double rd)) return null;
                return (rd >= r.Low && rd <= r.High) != r.Negated;
            case Both b:
                bool? l = Reference(b.Left, m), rr = Reference(b.Right, m);
                return l == false || rr == false ? false : l == true && rr == true ? true : null;
            case Either o:
                bool? ol = Reference(o.Left, m), or = Reference(o.Right, m);
                return ol == true || or == true ? true : ol == false && or == false ? false : null;
            case Negation n:
                return !Reference(n.Operand, m);
            case Constant k:
                return k.Value;
        }
        throw new InvalidOperationException(e.ToString());
    }

    private static bool TryNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out value);

    private static string Quote(string s) => "'" + s.Replace("'", "''") + "'";

    /// <summary>SQL text; <paramref name="minimal"/> leaves out every parenthesis precedence makes unnecessary.</summary>
    private static string Render(Expr e, bool minimal) => e switch
    {
        Compare c => $"{c.Name} {c.Op} {c.Literal}",
        TextEquals t => $"{t.Name} {(t.Equal ? "=" : "<>")} {Quote(t.Literal)}",
        NullTest n => $"{n.Name} IS {(n.IsNull ? "" : "NOT ")}NULL",
        InSet s => $"{s.Name} {(s.Negated ? "NOT " : "")}IN ({string.Join(", ", s.Values.Select(Quote))})",
        Match x => $"{x.Name} {(x.Negated ? "NOT " : "")}{x.Keyword} {Quote(x.Search)}",
        Range r => $"{r.Name} {(r.Negated ? "NOT " : "")}BETWEEN {r.Low} AND {r.High}",
        Both b => $"{Wrap(b.Left, minimal && b.Left is not Either)} AND {Wrap(b.Right, minimal && b.Right is not (Either or Both))}",
        Either o => $"{Wrap(o.Left, minimal)} OR {Wrap(o.Right, minimal && o.Right is not Either)}",
        Negation n => $"NOT {Wrap(n.Operand, minimal && n.Operand is not (Both or Either))}",
        Constant k => k.Value ? "TRUE" : "FALSE",
        _ => throw new InvalidOperationException(),
    };

    private static string Wrap(Expr e, bool bare) => bare ? Render(e, true) : $"({Render(e, false)})";

    [Property(MaxTest = 400)]
    public Property Compiled_conditions_evaluate_as_the_reference_does() =>
        Prop.ForAll(Gen.Sized(size => ExprGen(Math.Min(size, 24))).ToArbitrary(), MessageGen.ToArbitrary(),
            ArbMap.Default.GeneratorFor<bool>().ToArbitrary(), (expr, message, minimal) =>
            {
                string sql = Render(expr, minimal);
                var filter = SqlFilter.Compile(sql);
                string encoded = MessageProperties.Encode(message);
                bool expected = Reference(expr, message) == true;
                return (filter.Matches(encoded) == expected)
                    .Label($"sql: {sql}\ncanonical: {filter.Canonical}\nmessage: {string.Join(", ", message.Select(p => $"{p.Key}={p.Value}"))}\nexpected {expected}");
            });

    [Property(MaxTest = 200)]
    public Property The_canonical_form_compiles_to_itself_and_means_the_same() =>
        Prop.ForAll(Gen.Sized(size => ExprGen(Math.Min(size, 24))).ToArbitrary(), MessageGen.ToArbitrary(), (expr, message) =>
        {
            var filter = SqlFilter.Compile(Render(expr, minimal: true));
            var again = SqlFilter.Compile(filter.Canonical);
            string encoded = MessageProperties.Encode(message);
            return (again.Canonical == filter.Canonical && again.Matches(encoded) == filter.Matches(encoded)).Label(filter.Canonical);
        });
}
