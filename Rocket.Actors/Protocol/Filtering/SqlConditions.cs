using System.Text;

namespace Rocket.Protocol.Filtering;

/// <summary>
/// A compiled SQL92 condition: a tree of these, evaluated per message without allocating. <see cref="ToString"/>
/// prints it back as SQL92 (fully parenthesised), which compiles to the same tree.
/// </summary>
internal abstract class SqlCondition
{
    public abstract Tri Evaluate(ref SqlRow row);

    protected static string Quote(string text) => "'" + text.Replace("'", "''") + "'";
}

internal enum SqlComparison { Equal, NotEqual, Greater, GreaterOrEqual, Less, LessOrEqual }

internal static class SqlComparisons
{
    public static string Symbol(this SqlComparison op) => op switch
    {
        SqlComparison.Equal => "=", SqlComparison.NotEqual => "<>", SqlComparison.Greater => ">",
        SqlComparison.GreaterOrEqual => ">=", SqlComparison.Less => "<", _ => "<=",
    };

    /// <summary>The operator with its operands swapped: 5 &lt; a is a &gt; 5.</summary>
    public static SqlComparison Mirrored(this SqlComparison op) => op switch
    {
        SqlComparison.Greater => SqlComparison.Less, SqlComparison.Less => SqlComparison.Greater,
        SqlComparison.GreaterOrEqual => SqlComparison.LessOrEqual, SqlComparison.LessOrEqual => SqlComparison.GreaterOrEqual,
        _ => op,
    };

    public static bool Holds(this SqlComparison op, int order) => op switch
    {
        SqlComparison.Equal => order == 0, SqlComparison.NotEqual => order != 0, SqlComparison.Greater => order > 0,
        SqlComparison.GreaterOrEqual => order >= 0, SqlComparison.Less => order < 0, _ => order <= 0,
    };

    public static Tri ToTri(bool value) => value ? Tri.True : Tri.False;
}

internal sealed class ConstantCondition(Tri value) : SqlCondition
{
    public static readonly ConstantCondition True = new(Tri.True), False = new(Tri.False);
    public override Tri Evaluate(ref SqlRow row) => value;
    public override string ToString() => value == Tri.True ? "TRUE" : "FALSE";
}

internal sealed class AndCondition(SqlCondition left, SqlCondition right) : SqlCondition
{
    public override Tri Evaluate(ref SqlRow row)
    {
        var l = left.Evaluate(ref row);
        if (l == Tri.False) return Tri.False;
        var r = right.Evaluate(ref row);
        if (r == Tri.False) return Tri.False;
        return l == Tri.True && r == Tri.True ? Tri.True : Tri.Unknown;
    }

    public override string ToString() => $"({left} AND {right})";
}

internal sealed class OrCondition(SqlCondition left, SqlCondition right) : SqlCondition
{
    public override Tri Evaluate(ref SqlRow row)
    {
        var l = left.Evaluate(ref row);
        if (l == Tri.True) return Tri.True;
        var r = right.Evaluate(ref row);
        if (r == Tri.True) return Tri.True;
        return l == Tri.False && r == Tri.False ? Tri.False : Tri.Unknown;
    }

    public override string ToString() => $"({left} OR {right})";
}

/// <summary>NOT of unknown stays unknown (RocketMQ: NOT null is null), so NOT (a &gt; 5) does not match a message without a.</summary>
internal sealed class NotCondition(SqlCondition operand) : SqlCondition
{
    public override Tri Evaluate(ref SqlRow row) => operand.Evaluate(ref row) switch
    {
        Tri.True => Tri.False, Tri.False => Tri.True, _ => Tri.Unknown,
    };

    public override string ToString() => $"(NOT {operand})";
}

/// <summary>A property against a number: the value is read as a long or a double; one that is not a number is unknown.</summary>
internal sealed class NumberComparison(int slot, string name, SqlComparison op, SqlNumber literal) : SqlCondition
{
    public override Tri Evaluate(ref SqlRow row)
    {
        if (!row.TryGet(slot, out var value) || !SqlNumber.TryParse(value, out var number)) return Tri.Unknown;
        return SqlComparisons.ToTri(op.Holds(number.CompareTo(literal)));
    }

    public override string ToString() => $"({name} {op.Symbol()} {literal})";
}

/// <summary>A property against a string with = or &lt;&gt;: ordinal, on the UTF-8 bytes.</summary>
internal sealed class StringEquality(int slot, string name, bool equal, string literal) : SqlCondition
{
    private readonly byte[] _literal = Encoding.UTF8.GetBytes(literal);

    public override Tri Evaluate(ref SqlRow row)
    {
        if (!row.TryGet(slot, out var value)) return Tri.Unknown;
        return SqlComparisons.ToTri(value.SequenceEqual(_literal) == equal);
    }

    public override string ToString() => $"({name} {(equal ? "=" : "<>")} {Quote(literal)})";
}

/// <summary>Two properties: = and &lt;&gt; compare the strings; the ordering operators compare them as numbers.</summary>
internal sealed class PropertyComparison(int leftSlot, string leftName, SqlComparison op, int rightSlot, string rightName) : SqlCondition
{
    public override Tri Evaluate(ref SqlRow row)
    {
        if (!row.TryGet(leftSlot, out var left) || !row.TryGet(rightSlot, out var right)) return Tri.Unknown;
        if (op is SqlComparison.Equal or SqlComparison.NotEqual) return SqlComparisons.ToTri(left.SequenceEqual(right) == (op == SqlComparison.Equal));
        if (!SqlNumber.TryParse(left, out var l) || !SqlNumber.TryParse(right, out var r)) return Tri.Unknown;
        return SqlComparisons.ToTri(op.Holds(l.CompareTo(r)));
    }

    public override string ToString() => $"({leftName} {op.Symbol()} {rightName})";
}

internal sealed class NullCheck(int slot, string name, bool isNull) : SqlCondition
{
    public override Tri Evaluate(ref SqlRow row) => SqlComparisons.ToTri(row.TryGet(slot, out _) != isNull);
    public override string ToString() => $"({name} IS {(isNull ? "" : "NOT ")}NULL)";
}

/// <summary>IN / NOT IN a list of strings; unknown for a message without the property (RocketMQ).</summary>
internal sealed class InList(int slot, string name, IReadOnlyList<string> values, bool negated) : SqlCondition
{
    private readonly byte[][] _values = values.Select(Encoding.UTF8.GetBytes).ToArray();

    public override Tri Evaluate(ref SqlRow row)
    {
        if (!row.TryGet(slot, out var value)) return Tri.Unknown;
        bool found = false;
        foreach (var candidate in _values)
            if (value.SequenceEqual(candidate)) { found = true; break; }
        return SqlComparisons.ToTri(found != negated);
    }

    public override string ToString() => $"({name} {(negated ? "NOT " : "")}IN ({string.Join(", ", values.Select(Quote))}))";
}

internal enum StringPredicate { Contains, StartsWith, EndsWith }

/// <summary>
/// RocketMQ 5's CONTAINS / STARTSWITH / ENDSWITH and their NOT forms (ordinal). As in RocketMQ, both forms are false
/// (not unknown) for a message without the property.
/// </summary>
internal sealed class StringMatch(int slot, string name, StringPredicate predicate, string search, bool negated) : SqlCondition
{
    private readonly byte[] _search = Encoding.UTF8.GetBytes(search);

    public override Tri Evaluate(ref SqlRow row)
    {
        if (!row.TryGet(slot, out var value)) return Tri.False;
        bool found = predicate switch
        {
            StringPredicate.Contains => value.IndexOf(_search) >= 0,
            StringPredicate.StartsWith => value.StartsWith(_search),
            _ => value.EndsWith(_search),
        };
        return SqlComparisons.ToTri(found != negated);
    }

    public override string ToString() => $"({name} {(negated ? "NOT " : "")}{predicate.ToString().ToUpperInvariant()} {Quote(search)})";
}
