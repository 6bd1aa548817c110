namespace Rocket.Protocol.Filtering;

internal enum SqlTokenKind
{
    End,
    Identifier,
    Keyword,
    Integer,
    Decimal,
    String,
    Symbol,
}

/// <summary>One token of a SQL92 filter; <see cref="Column"/> is 1-based. Keywords are upper-cased in <see cref="Text"/>.</summary>
internal readonly record struct SqlToken(SqlTokenKind Kind, string Text, int Column, long Integer = 0, double Decimal = 0)
{
    public bool Is(string keywordOrSymbol) =>
        Kind is SqlTokenKind.Keyword or SqlTokenKind.Symbol && Text == keywordOrSymbol;

    public string Describe() => Kind switch
    {
        SqlTokenKind.End => "the end of the expression",
        SqlTokenKind.String => $"'{Text.Replace("'", "''")}'",
        _ => $"'{Text}'",
    };
}
