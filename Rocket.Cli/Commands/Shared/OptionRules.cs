using System.CommandLine;

namespace Rocket.Cli.Commands.Shared;

/// <summary>Parse-time checks, so that a bad value fails before anything connects to the cluster.</summary>
public static class OptionRules
{
    public static Option<T> AtLeast<T>(this Option<T> option, T minimum) where T : IComparable<T>
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<T>() is { } value && value.CompareTo(minimum) < 0)
                result.AddError($"{option.Name} must be at least {minimum} (got {value})");
        });
        return option;
    }

    public static Option<T?> AtLeast<T>(this Option<T?> option, T minimum) where T : struct, IComparable<T>
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<T?>() is { } value && value.CompareTo(minimum) < 0)
                result.AddError($"{option.Name} must be at least {minimum} (got {value})");
        });
        return option;
    }

    public static Option<string> NameLike(this Option<string> option, string what, int maxLength = 127)
    {
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (value is not null && (value.Length == 0 || value.Length > maxLength || !value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '%' or '|')))
                result.AddError($"{option.Name}: '{value}' is not a valid {what} name (letters, digits, '_', '-', '%', '|'; at most {maxLength} characters)");
        });
        return option;
    }

    public static Option<string> Topic(string description = "Topic name") =>
        new Option<string>("--topic") { Description = description, Required = true }.NameLike("topic");

    /// <summary>
    /// The option's value for a command-level rule, or default when the option itself is invalid (its own error is
    /// reported already; System.CommandLine throws when asked for an invalid value).
    /// </summary>
    public static T? ValueOrDefault<T>(this System.CommandLine.Parsing.CommandResult result, Option<T> option)
    {
        if (result.GetResult(option) is { Errors: var errors } && errors.Any()) return default;
        try { return result.GetValue(option); }
        catch (InvalidOperationException) { return default; }
    }
}
