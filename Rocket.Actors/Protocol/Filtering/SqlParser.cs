namespace Rocket.Protocol.Filtering;

/// <summary>
/// Recursive-descent parser of RocketMQ's SQL92 filter grammar into <see cref="SqlCondition"/>s. Precedence, loosest
/// first: OR, AND, NOT, then one predicate (comparison, BETWEEN, IN, IS NULL, CONTAINS/STARTSWITH/ENDSWITH) or a
/// parenthesised condition. Every refusal names its column and reason.
/// </summary>
internal sealed class SqlParser
{
    private abstract record Operand(int Column);
    private sealed record PropertyOperand(string Name, int Column) : Operand(Column);
    private sealed record NumberOperand(SqlNumber Value, int Column) : Operand(Column);
    private sealed record StringOperand(string Value, int Column) : Operand(Column);

    private readonly string _expression;
    private readonly List<SqlToken> _tokens;
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private int _at;

    private SqlParser(string expression)
    {
        _expression = expression;
        _tokens = SqlLexer.Tokenize(expression);
    }

    /// <summary>The condition and the referenced property names, in slot order.</summary>
    public static (SqlCondition Root, string[] Names) Parse(string expression)
    {
        var parser = new SqlParser(expression);
        if (parser.Peek.Kind == SqlTokenKind.End) throw parser.Error(parser.Peek, "the expression is empty (TRUE takes every message)");
        var root = parser.Or();
        if (parser.Peek.Kind != SqlTokenKind.End)
            throw parser.Error(parser.Peek, parser.Peek.Is(")")
                ? "unexpected ')' (no '(' is open)"
                : $"expected AND, OR or the end of the expression, found {parser.Peek.Describe()}");
        var names = new string[parser._slots.Count];
        foreach (var (name, slot) in parser._slots) names[slot] = name;
        return (root, names);
    }

    private SqlToken Peek => _tokens[_at];
    private SqlToken Next() => _tokens[_at < _tokens.Count - 1 ? _at++ : _at];

    private FilterSyntaxException Error(SqlToken at, string reason) => new(_expression, at.Column, reason);
    private FilterSyntaxException Error(int column, string reason) => new(_expression, column, reason);

    private bool Accept(string keywordOrSymbol)
    {
        if (!Peek.Is(keywordOrSymbol)) return false;
        _at++;
        return true;
    }

    private void Expect(string keywordOrSymbol, string context)
    {
        if (!Accept(keywordOrSymbol)) throw Error(Peek, $"expected '{keywordOrSymbol}' {context}, found {Peek.Describe()}");
    }

    private SqlCondition Or()
    {
        var left = And();
        while (Accept("OR")) left = new OrCondition(left, And());
        return left;
    }

    private SqlCondition And()
    {
        var left = Not();
        while (Accept("AND")) left = new AndCondition(left, Not());
        return left;
    }

    private SqlCondition Not() => Accept("NOT") ? new NotCondition(Not()) : Predicate();

    private SqlCondition Predicate()
    {
        var token = Peek;
        if (Accept("("))
        {
            var inner = Or();
            Expect(")", $"to close the '(' of column {token.Column}");
            return inner;
        }
        if (Accept("TRUE")) return ConstantCondition.True;
        if (Accept("FALSE")) return ConstantCondition.False;
        var left = OperandAt("a condition");
        var op = Peek;
        if (op.Kind == SqlTokenKind.Symbol && ComparisonOf(op.Text) is { } comparison)
        {
            _at++;
            var right = OperandAt($"after '{op.Text}'");
            var condition = Compare(left, comparison, right, op);
            if (Peek.Kind == SqlTokenKind.Symbol && ComparisonOf(Peek.Text) is not null)
                throw Error(Peek, $"comparisons do not chain: '{Peek.Text}' follows a comparison (join them with AND)");
            return condition;
        }
        bool negated = Accept("NOT");
        if (Accept("BETWEEN")) return Between(left, negated);
        if (Accept("IN")) return In(left, negated);
        foreach (var (keyword, predicate) in StringPredicates)
            if (Accept(keyword)) return Match(left, predicate, negated, keyword);
        if (negated) throw Error(Peek, $"expected BETWEEN, IN, CONTAINS, STARTSWITH or ENDSWITH after NOT, found {Peek.Describe()}");
        if (Accept("IS"))
        {
            bool not = Accept("NOT");
            Expect("NULL", not ? "after IS NOT" : "after IS");
            return left is PropertyOperand p ? new NullCheck(Slot(p.Name), p.Name, isNull: !not) : not ? ConstantCondition.True : ConstantCondition.False;
        }
        throw Error(op, op.Kind == SqlTokenKind.End
            ? $"expected an operator after {Describe(left)} (=, <>, >, >=, <, <=, BETWEEN, IN, IS NULL, CONTAINS, STARTSWITH, ENDSWITH), found the end of the expression"
            : $"unknown operator {op.Describe()} after {Describe(left)} (expected =, <>, >, >=, <, <=, BETWEEN, IN, IS NULL, CONTAINS, STARTSWITH or ENDSWITH)");
    }

    private static readonly (string Keyword, StringPredicate Predicate)[] StringPredicates =
        [("CONTAINS", StringPredicate.Contains), ("STARTSWITH", StringPredicate.StartsWith), ("ENDSWITH", StringPredicate.EndsWith)];

    private static SqlComparison? ComparisonOf(string symbol) => symbol switch
    {
        "=" => SqlComparison.Equal, "<>" => SqlComparison.NotEqual, ">" => SqlComparison.Greater,
        ">=" => SqlComparison.GreaterOrEqual, "<" => SqlComparison.Less, "<=" => SqlComparison.LessOrEqual, _ => null,
    };

    private Operand OperandAt(string where)
    {
        var token = Next();
        switch (token.Kind)
        {
            case SqlTokenKind.Identifier: return new PropertyOperand(token.Text, token.Column);
            case SqlTokenKind.Integer: return new NumberOperand(SqlNumber.Of(token.Integer), token.Column);
            case SqlTokenKind.Decimal: return new NumberOperand(SqlNumber.Of(token.Decimal), token.Column);
            case SqlTokenKind.String: return new StringOperand(token.Text, token.Column);
        }
        if (token.Is("-") || token.Is("+"))
        {
            var number = Peek;
            if (number.Kind is not (SqlTokenKind.Integer or SqlTokenKind.Decimal))
                throw Error(token, $"unary '{token.Text}' applies to a number only, found {number.Describe()}");
            _at++;
            var value = number.Kind == SqlTokenKind.Integer ? SqlNumber.Of(number.Integer) : SqlNumber.Of(number.Decimal);
            return new NumberOperand(token.Is("-") ? value.Negate() : value, token.Column);
        }
        if (token.Is("NULL")) throw Error(token, "NULL cannot be compared (write 'name IS NULL' or 'name IS NOT NULL')");
        if (token.Is("TRUE") || token.Is("FALSE"))
            throw Error(token, $"{token.Text} cannot be compared (property values are strings: compare with '{token.Text.ToLowerInvariant()}')");
        if (token.Kind == SqlTokenKind.End) throw Error(token, $"expected a property name or a literal for {where}, found the end of the expression");
        if (token.Kind == SqlTokenKind.Keyword)
            throw Error(token, $"expected a property name or a literal for {where}, found the keyword {token.Text}");
        throw Error(token, $"expected a property name or a literal for {where}, found {token.Describe()}");
    }

    private static string Describe(Operand operand) => operand switch
    {
        PropertyOperand p => $"'{p.Name}'",
        NumberOperand n => n.Value.ToString(),
        StringOperand s => $"'{s.Value.Replace("'", "''")}'",
        _ => operand.ToString()!,
    };

    private int Slot(string name)
    {
        if (!_slots.TryGetValue(name, out int slot)) _slots[name] = slot = _slots.Count;
        return slot;
    }

    private SqlCondition Compare(Operand left, SqlComparison op, Operand right, SqlToken opToken)
    {
        bool ordering = op is not (SqlComparison.Equal or SqlComparison.NotEqual);
        if (ordering)
            foreach (var side in new[] { left, right })
                if (side is StringOperand s)
                    throw Error(s.Column, $"string '{s.Value.Replace("'", "''")}' cannot be compared with '{opToken.Text}' (only numbers can)");
        switch (left, right)
        {
            case (PropertyOperand l, PropertyOperand r):
                return new PropertyComparison(Slot(l.Name), l.Name, op, Slot(r.Name), r.Name);
            case (PropertyOperand p, NumberOperand n):
                return new NumberComparison(Slot(p.Name), p.Name, op, n.Value);
            case (NumberOperand n, PropertyOperand p):
                return new NumberComparison(Slot(p.Name), p.Name, op.Mirrored(), n.Value);
            case (PropertyOperand p, StringOperand s):
                return new StringEquality(Slot(p.Name), p.Name, op == SqlComparison.Equal, s.Value);
            case (StringOperand s, PropertyOperand p):
                return new StringEquality(Slot(p.Name), p.Name, op == SqlComparison.Equal, s.Value);
            case (NumberOperand a, NumberOperand b):
                return SqlComparisons.ToTri(op.Holds(a.Value.CompareTo(b.Value))) == Tri.True ? ConstantCondition.True : ConstantCondition.False;
            case (StringOperand a, StringOperand b):
                return (a.Value == b.Value) == (op == SqlComparison.Equal) ? ConstantCondition.True : ConstantCondition.False;
            default: // a number and a string literal: never equal
                return op == SqlComparison.NotEqual ? ConstantCondition.True : ConstantCondition.False;
        }
    }

    private SqlCondition Between(Operand value, bool negated)
    {
        string keyword = negated ? "NOT BETWEEN" : "BETWEEN";
        var low = Bound(keyword);
        Expect("AND", $"between the bounds of {keyword}");
        var high = Bound(keyword);
        if (high.Value.CompareTo(low.Value) < 0)
            throw Error(low.Column, $"{keyword} needs the lower bound first: {low.Value} is greater than {high.Value}");
        if (value is StringOperand s) throw Error(s.Column, $"string '{s.Value}' cannot be compared with {keyword} (only numbers can)");
        return negated
            ? new OrCondition(Compare(value, SqlComparison.Less, low, default), Compare(value, SqlComparison.Greater, high, default))
            : new AndCondition(Compare(value, SqlComparison.GreaterOrEqual, low, default), Compare(value, SqlComparison.LessOrEqual, high, default));
    }

    private NumberOperand Bound(string keyword)
    {
        var token = Peek;
        var operand = OperandAt($"a bound of {keyword}");
        return operand as NumberOperand ?? throw Error(token, $"the bounds of {keyword} must be numbers, found {token.Describe()}");
    }

    private SqlCondition In(Operand left, bool negated)
    {
        string keyword = negated ? "NOT IN" : "IN";
        if (left is not PropertyOperand property) throw Error(left.Column, $"{keyword} needs a property name on its left, found {Describe(left)}");
        Expect("(", $"after {keyword}");
        var values = new List<string>();
        do
        {
            var token = Next();
            if (token.Kind != SqlTokenKind.String)
                throw Error(token, token.Is(")") && values.Count == 0
                    ? $"{keyword} needs at least one value"
                    : $"{keyword} takes string literals only ('a', 'b'), found {token.Describe()}");
            values.Add(token.Text);
        } while (Accept(","));
        if (!Peek.Is(")")) throw Error(Peek, $"expected ',' or ')' in the {keyword} list, found {Peek.Describe()}");
        _at++;
        return new InList(Slot(property.Name), property.Name, values, negated);
    }

    private SqlCondition Match(Operand left, StringPredicate predicate, bool negated, string keyword)
    {
        string name = negated ? "NOT " + keyword : keyword;
        if (left is not PropertyOperand property) throw Error(left.Column, $"{name} needs a property name on its left, found {Describe(left)}");
        var token = Next();
        if (token.Kind != SqlTokenKind.String) throw Error(token, $"{name} takes a string literal, found {token.Describe()}");
        if (token.Text.Length == 0) throw Error(token, $"{name} needs a non-empty string (RocketMQ matches nothing with '')");
        return new StringMatch(Slot(property.Name), property.Name, predicate, token.Text, negated);
    }
}
