using System.CommandLine;
using System.Globalization;

namespace Rocket.Cli.Commands.Shared;

/// <summary><c>--deliver-after-ms</c> / <c>--deliver-at</c>: timer messages (one of the two).</summary>
public static class TimerOptions
{
    public static Option<long?> DeliverAfterMs() =>
        new Option<long?>("--deliver-after-ms") { Description = "Timer messages: deliver each this many ms after its send (at most 3 days)" }.AtLeast(0);

    public static Option<string?> DeliverAt()
    {
        var option = new Option<string?>("--deliver-at") { Description = "Timer messages: deliver at this ISO 8601 time (UTC unless it names an offset)" };
        option.Validators.Add(r =>
        {
            var text = r.GetValueOrDefault<string?>();
            if (text is not null && ParseTime(text) is null)
                r.AddError($"--deliver-at must be an ISO 8601 time such as 2025-01-31T12:00:00Z (got '{text}')");
        });
        return option;
    }

    public static void NotBoth(Command command, Option<long?> after, Option<string?> at) =>
        command.Validators.Add(result =>
        {
            if (result.ValueOrDefault(after) is not null && result.ValueOrDefault(at) is not null)
                result.AddError("--deliver-after-ms and --deliver-at cannot be combined: a message has one delivery time");
        });

    public static DateTimeOffset? ParseTime(string? text) =>
        text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;
}
