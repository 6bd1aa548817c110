using System.Buffers;
using System.Text;

namespace Rocket.Protocol.Filtering;

/// <summary>
/// A compiled SQL92 filter (RocketMQ's <c>MessageSelector.bySql</c>) over message properties, TAGS among them.
/// Compile once, then <see cref="Matches(ReadOnlySpan{byte})"/> per message: one pass over the encoded properties finds
/// the referenced names, and the evaluation allocates nothing. A message matches only when the condition is TRUE:
/// a comparison with a missing property is unknown, and so is NOT of it (RocketMQ's null semantics).
/// </summary>
public sealed class SqlFilter
{
    private const int StackSlots = 16;

    private readonly SqlCondition _root;
    private readonly byte[][] _names;

    private SqlFilter(string expression, SqlCondition root, string[] names)
    {
        Expression = expression;
        _root = root;
        PropertyNames = names;
        _names = names.Select(Encoding.UTF8.GetBytes).ToArray();
    }

    /// <summary>The expression as written.</summary>
    public string Expression { get; }

    /// <summary>The property names the condition reads.</summary>
    public IReadOnlyList<string> PropertyNames { get; }

    /// <exception cref="FilterSyntaxException">The expression is not valid SQL92 for RocketMQ (column and reason).</exception>
    public static SqlFilter Compile(string? expression)
    {
        if (expression is null) throw new FilterSyntaxException("", 1, "the expression is missing");
        var (root, names) = SqlParser.Parse(expression);
        return new SqlFilter(expression, root, names);
    }

    /// <summary>Whether a message with these encoded properties (<c>name\u0001value\u0002…</c>, UTF-8) matches.</summary>
    public bool Matches(ReadOnlySpan<byte> utf8Properties)
    {
        int slots = 2 * _names.Length;
        if (slots <= 2 * StackSlots)
        {
            Span<int> stack = stackalloc int[2 * StackSlots];
            var row = new SqlRow(utf8Properties, stack[..slots], _names);
            return _root.Evaluate(ref row) == Tri.True;
        }
        var rented = ArrayPool<int>.Shared.Rent(slots);
        try
        {
            var row = new SqlRow(utf8Properties, rented.AsSpan(0, slots), _names);
            return _root.Evaluate(ref row) == Tri.True;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rented);
        }
    }

    /// <summary>Whether a message with this encoded properties string matches (encodes it; for clients and tests).</summary>
    public bool Matches(string? encodedProperties) =>
        Matches(string.IsNullOrEmpty(encodedProperties) ? ReadOnlySpan<byte>.Empty : Encoding.UTF8.GetBytes(encodedProperties));

    /// <summary>The condition as the compiler understood it, fully parenthesised (compiles to the same condition).</summary>
    public string Canonical => _root.ToString()!;

    public override string ToString() => Expression;
}
