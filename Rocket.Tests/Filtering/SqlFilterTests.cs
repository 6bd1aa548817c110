using Rocket.Protocol;
using Rocket.Protocol.Filtering;
using Xunit;

namespace Rocket.Tests.Filtering;

/// <summary>The SQL92 compiler and evaluator: every operator, precedence, RocketMQ's null semantics, errors with columns.</summary>
public class SqlFilterTests
{
    private static string Props(params (string Name, string Value)[] properties) =>
        MessageProperties.Encode(properties.Select(p => KeyValuePair.Create(p.Name, p.Value)));

    private static readonly string Message = Props(("a", "7"), ("b", "2.5"), ("s", "hello world"), ("TAGS", "TagA"), ("neg", "-3"), ("word", "x7"), ("quote", "it's"), ("uni", "ключ"));

    private static bool Eval(string sql, string? properties = null) => SqlFilter.Compile(sql).Matches(properties ?? Message);

    [Theory]
    [InlineData("a = 7", true)]
    [InlineData("a = 7.0", true)]
    [InlineData("a = 8", false)]
    [InlineData("a <> 8", true)]
    [InlineData("a <> 7", false)]
    [InlineData("a > 6", true)]
    [InlineData("a > 7", false)]
    [InlineData("a >= 7", true)]
    [InlineData("a < 8", true)]
    [InlineData("a < 7", false)]
    [InlineData("a <= 7", true)]
    [InlineData("b > 2", true)]
    [InlineData("b < 2.6", true)]
    [InlineData("b = 2.5", true)]
    [InlineData("b >= 25e-1", true)]
    [InlineData("neg < -2", true)]
    [InlineData("neg = -3", true)]
    [InlineData("7 = a", true)]
    [InlineData("6 < a", true)]
    [InlineData("8 <= a", false)]
    [InlineData("a = 7L", true)]
    [InlineData("a > b", true)]
    [InlineData("b >= a", false)]
    [InlineData("a = a", true)]
    [InlineData("s = 'hello world'", true)]
    [InlineData("s = 'hello'", false)]
    [InlineData("s <> 'hello'", true)]
    [InlineData("'hello world' = s", true)]
    [InlineData("quote = 'it''s'", true)]
    [InlineData("uni = 'ключ'", true)]
    [InlineData("TAGS = 'TagA'", true)]
    [InlineData("TAGS = 'taga'", false)]
    [InlineData("a BETWEEN 1 AND 7", true)]
    [InlineData("a BETWEEN 8 AND 10", false)]
    [InlineData("b BETWEEN 2.4 AND 2.6", true)]
    [InlineData("a NOT BETWEEN 8 AND 10", true)]
    [InlineData("a NOT BETWEEN 1 AND 7", false)]
    [InlineData("a IN ('1', '7')", true)]
    [InlineData("a IN ('1', '2')", false)]
    [InlineData("a NOT IN ('1', '2')", true)]
    [InlineData("a NOT IN ('7')", false)]
    [InlineData("a IS NOT NULL", true)]
    [InlineData("a IS NULL", false)]
    [InlineData("missing IS NULL", true)]
    [InlineData("missing IS NOT NULL", false)]
    [InlineData("s CONTAINS 'lo wo'", true)]
    [InlineData("s CONTAINS 'xyz'", false)]
    [InlineData("s NOT CONTAINS 'xyz'", true)]
    [InlineData("s STARTSWITH 'hell'", true)]
    [InlineData("s NOT STARTSWITH 'hell'", false)]
    [InlineData("s ENDSWITH 'world'", true)]
    [InlineData("s NOT ENDSWITH 'world'", false)]
    [InlineData("TRUE", true)]
    [InlineData("FALSE", false)]
    [InlineData("NOT FALSE", true)]
    [InlineData("a = 7 AND s = 'hello world'", true)]
    [InlineData("a = 7 AND s = 'x'", false)]
    [InlineData("a = 1 OR s = 'hello world'", true)]
    [InlineData("a = 1 OR s = 'x'", false)]
    [InlineData("1 = 1", true)]
    [InlineData("1 < 1", false)]
    [InlineData("'x' = 'x'", true)]
    [InlineData("1 = '1'", false)]
    [InlineData("a > 5 and s contains 'hello' or false", true)] // keywords in any case
    [InlineData("a > 5 -- a trailing comment", true)]
    [InlineData("/* a comment */ a > 5", true)]
    public void Every_operator_evaluates_as_RocketMQ_does(string sql, bool expected) => Assert.Equal(expected, Eval(sql));

    [Theory]
    // AND binds tighter than OR; NOT tighter than AND; parentheses override.
    [InlineData("a = 1 AND a = 2 OR a = 7", true)]
    [InlineData("a = 7 OR a = 1 AND a = 2", true)]
    [InlineData("(a = 7 OR a = 1) AND a = 2", false)]
    [InlineData("NOT a = 7 OR a = 7", true)]
    [InlineData("NOT (a = 7 OR a = 1)", false)]
    [InlineData("NOT a = 1 AND a = 7", true)]
    [InlineData("NOT NOT a = 7", true)]
    [InlineData("((((a = 7))))", true)]
    public void Precedence_is_OR_then_AND_then_NOT(string sql, bool expected) => Assert.Equal(expected, Eval(sql));

    [Theory]
    // A comparison with a missing property is unknown; NOT unknown is unknown; only TRUE matches.
    [InlineData("missing = 1")]
    [InlineData("missing <> 1")]
    [InlineData("missing > 1")]
    [InlineData("missing = 'x'")]
    [InlineData("missing <> 'x'")]
    [InlineData("NOT (missing = 1)")]
    [InlineData("NOT (missing > 1)")]
    [InlineData("missing BETWEEN 1 AND 2")]
    [InlineData("missing NOT BETWEEN 1 AND 2")]
    [InlineData("missing IN ('x')")]
    [InlineData("missing NOT IN ('x')")]
    [InlineData("missing CONTAINS 'x'")]
    [InlineData("missing NOT CONTAINS 'x'")] // RocketMQ: false, not unknown
    [InlineData("missing STARTSWITH 'x'")]
    [InlineData("missing NOT ENDSWITH 'x'")]
    [InlineData("missing = a")]
    [InlineData("missing = 1 AND TRUE")]
    [InlineData("missing = 1 OR FALSE")]
    [InlineData("NOT (missing = 1 OR FALSE)")]
    // A value that is not a number compares like a missing one.
    [InlineData("word > 1")]
    [InlineData("word = 7")]
    [InlineData("NOT (word < 1)")]
    [InlineData("s > a")]
    public void A_missing_property_makes_a_comparison_unknown_and_never_matches(string sql) => Assert.False(Eval(sql));

    [Theory]
    [InlineData("missing = 1 OR TRUE")] // unknown OR TRUE is TRUE
    [InlineData("NOT (missing = 1 AND FALSE)")] // unknown AND FALSE is FALSE
    [InlineData("NOT (missing CONTAINS 'x')")] // CONTAINS on a missing property is FALSE, so NOT of it is TRUE (RocketMQ)
    [InlineData("missing IS NULL OR missing > 5")]
    public void Three_valued_logic_decides_where_unknown_does_not_matter(string sql) => Assert.True(Eval(sql));

    [Fact]
    public void A_message_without_properties_matches_only_what_needs_none()
    {
        Assert.False(SqlFilter.Compile("a = 1").Matches((string?)null));
        Assert.True(SqlFilter.Compile("a IS NULL").Matches((string?)null));
        Assert.True(SqlFilter.Compile("TRUE").Matches(ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void The_last_of_two_values_of_one_property_counts_as_when_RocketMQ_decodes_them()
    {
        var twice = "a\u00011\u0002a\u00012\u0002";
        Assert.True(SqlFilter.Compile("a = 2").Matches(twice));
        Assert.False(SqlFilter.Compile("a = 1").Matches(twice));
    }

    [Fact]
    public void Many_referenced_properties_are_looked_up_beyond_the_stack_slots()
    {
        var names = Enumerable.Range(0, 40).Select(i => $"p{i}").ToArray();
        var properties = Props(names.Select((n, i) => (n, i.ToString())).ToArray());
        var sql = string.Join(" AND ", names.Select((n, i) => $"{n} = {i}"));
        var filter = SqlFilter.Compile(sql);
        Assert.Equal(40, filter.PropertyNames.Count);
        Assert.True(filter.Matches(properties));
        Assert.False(filter.Matches(properties.Replace("p39\u000139", "p39\u000140")));
    }

    [Fact]
    public void Evaluation_allocates_nothing()
    {
        var filter = SqlFilter.Compile("a > 5 AND s CONTAINS 'world' AND TAGS IN ('TagA', 'TagB') AND b BETWEEN 1 AND 3.5 AND missing IS NULL");
        var utf8 = System.Text.Encoding.UTF8.GetBytes(Message);
        Assert.True(filter.Matches(utf8));
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) filter.Matches(utf8);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData("a > 5 AND (b = 1", 17, "expected ')' to close the '(' of column 11, found the end of the expression")]
    [InlineData("", 1, "the expression is empty")]
    [InlineData("a >", 4, "expected a property name or a literal for after '>'")]
    [InlineData("a", 2, "expected an operator after 'a'")]
    [InlineData("a LIKE 'x%'", 3, "unknown operator 'LIKE'")]
    [InlineData("a != 1", 3, "unknown operator '!=' (SQL92 writes '<>')")]
    [InlineData("a == 1", 3, "unknown operator '=='")]
    [InlineData("a = 1 && b = 2", 7, "unknown operator '&&'")]
    [InlineData("a = 1 b = 2", 7, "expected AND, OR or the end of the expression, found 'b'")]
    [InlineData("a = 1)", 6, "unexpected ')'")]
    [InlineData("s = 'abc", 5, "unterminated string literal")]
    [InlineData("s = \"abc\"", 5, "string literals are in single quotes")]
    [InlineData("a > 'x'", 5, "string 'x' cannot be compared with '>' (only numbers can)")]
    [InlineData("a = NULL", 5, "NULL cannot be compared")]
    [InlineData("a = TRUE", 5, "TRUE cannot be compared")]
    [InlineData("a BETWEEN 5 AND 1", 11, "lower bound first")]
    [InlineData("a BETWEEN 'x' AND 'y'", 11, "the bounds of BETWEEN must be numbers")]
    [InlineData("a BETWEEN 1 OR 2", 13, "expected 'AND' between the bounds of BETWEEN")]
    [InlineData("a IN (1, 2)", 7, "IN takes string literals only")]
    [InlineData("a IN ()", 7, "IN needs at least one value")]
    [InlineData("a IN ('x' 'y')", 11, "expected ',' or ')' in the IN list")]
    [InlineData("'x' IN ('x')", 1, "IN needs a property name on its left")]
    [InlineData("s CONTAINS 5", 12, "CONTAINS takes a string literal")]
    [InlineData("s NOT STARTSWITH ''", 18, "NOT STARTSWITH needs a non-empty string")]
    [InlineData("a NOT = 1", 7, "expected BETWEEN, IN, CONTAINS, STARTSWITH or ENDSWITH after NOT")]
    [InlineData("a IS 1", 6, "expected 'NULL' after IS")]
    [InlineData("a = 1 = 2", 7, "comparisons do not chain")]
    [InlineData("a = -b", 5, "unary '-' applies to a number only")]
    [InlineData("a = 99999999999999999999", 5, "out of the range of a long")]
    [InlineData("a = 1e", 6, "an exponent needs digits")]
    [InlineData("a = 12abc", 5, "malformed number")]
    [InlineData("a = 1 AND", 10, "found the end of the expression")]
    [InlineData("AND a = 1", 1, "found the keyword AND")]
    [InlineData("a = 1 /* open", 7, "unterminated comment")]
    [InlineData("a # 1", 3, "unexpected character '#'")]
    public void Errors_name_the_column_and_the_reason(string sql, int column, string reason)
    {
        var error = Assert.Throws<FilterSyntaxException>(() => SqlFilter.Compile(sql));
        Assert.Equal(column, error.Column);
        Assert.Contains(reason, error.Reason);
        Assert.Equal($"{error.Reason} at column {column} of SQL92 expression '{sql}'", error.Message);
    }

    [Theory]
    [InlineData("a > 5 AND b = 'x'", "((a > 5) AND (b = 'x'))")]
    [InlineData("a BETWEEN 1 AND 2", "((a >= 1) AND (a <= 2))")]
    [InlineData("NOT a IN ('x','y')", "(NOT (a IN ('x', 'y')))")]
    [InlineData("5 < a", "(a > 5)")]
    [InlineData("a <> -2.5", "(a <> -2.5)")]
    [InlineData("s = 'it''s'", "(s = 'it''s')")]
    public void The_canonical_form_shows_how_the_expression_was_understood(string sql, string canonical)
    {
        var filter = SqlFilter.Compile(sql);
        Assert.Equal(canonical, filter.Canonical);
        Assert.Equal(canonical, SqlFilter.Compile(filter.Canonical).Canonical);
    }

    [Fact]
    public void Subscription_filters_compile_tags_and_SQL92_and_refuse_what_is_invalid()
    {
        Assert.Same(SubscriptionFilter.All, SubscriptionFilter.Compile(FilterType.Tag, "*"));
        var tags = SubscriptionFilter.Compile(FilterType.Tag, " TagA || TagB ");
        Assert.Equal("TagA || TagB", tags.Expression);
        Assert.True(tags.Tags!.Matches("TagB"));
        var sql = SubscriptionFilter.Compile(FilterType.Sql92, "a = 1");
        Assert.Equal(FilterType.Sql92, sql.Type);
        Assert.False(sql.AcceptsEverything);
        Assert.True(sql.Sql!.Matches(Props(("a", "1"))));
        Assert.Throws<FilterSyntaxException>(() => SubscriptionFilter.Compile(FilterType.Sql92, "a ="));
        Assert.Throws<FilterSyntaxException>(() => SubscriptionFilter.Compile(FilterType.Sql92, null));
        Assert.Throws<ArgumentException>(() => SubscriptionFilter.Compile((FilterType)7, "x"));
    }
}
