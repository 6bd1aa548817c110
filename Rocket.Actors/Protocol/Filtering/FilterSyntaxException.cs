namespace Rocket.Protocol.Filtering;

/// <summary>
/// A SQL92 filter expression that cannot be compiled: <see cref="Column"/> (1-based) is where the problem is and
/// <see cref="Reason"/> what it is; the message reads "expected ')' at column 17 in 'a > 5 AND (b = 1'".
/// </summary>
public sealed class FilterSyntaxException : Exception
{
    public FilterSyntaxException(string expression, int column, string reason)
        : base($"{reason} at column {column} of SQL92 expression '{expression}'")
    {
        Expression = expression;
        Column = column;
        Reason = reason;
    }

    public string Expression { get; }
    public int Column { get; }
    public string Reason { get; }
}
