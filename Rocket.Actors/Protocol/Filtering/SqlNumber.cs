using System.Globalization;

namespace Rocket.Protocol.Filtering;

/// <summary>A long or a double, as SQL92 literals and numeric property values are; compared as longs when both are.</summary>
internal readonly record struct SqlNumber(bool IsLong, long Long, double Double)
{
    public static SqlNumber Of(long value) => new(true, value, value);
    public static SqlNumber Of(double value) => new(false, (long)value, value);

    private const NumberStyles DecimalStyle = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;

    /// <summary>A property value (UTF-8) as a number: a long if it is one, else a double; false if it is neither.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out SqlNumber number)
    {
        if (long.TryParse(utf8, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l)) { number = Of(l); return true; }
        if (double.TryParse(utf8, DecimalStyle, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d)) { number = Of(d); return true; }
        number = default;
        return false;
    }

    public int CompareTo(SqlNumber other) =>
        IsLong && other.IsLong ? Long.CompareTo(other.Long) : Double.CompareTo(other.Double);

    public SqlNumber Negate() => IsLong ? Of(-Long) : Of(-Double);

    public override string ToString() => IsLong ? Long.ToString(CultureInfo.InvariantCulture) : Double.ToString("R", CultureInfo.InvariantCulture) is var s && (s.Contains('.') || s.Contains('E')) ? s : s + ".0";
}
