using System.CommandLine;
using Rocket.Cli.Commands.Shared;

namespace Rocket.Cli.Commands.Bench;

/// <summary>Options every cluster benchmark has: the topic (created when missing), its queue count and the body size.</summary>
public sealed class BenchOptions
{
    public Option<string> Topic { get; } = new Option<string>("--topic")
    {
        Description = "Topic (created with --queues queues when no broker has it)",
        DefaultValueFactory = _ => "BenchTopic",
    }.NameLike("topic");

    public Option<int> Queues { get; } = new Option<int>("--queues") { Description = "Queues when creating the topic", DefaultValueFactory = _ => 8 }.AtLeast(1);
    public Option<int> Size { get; } = new Option<int>("--size") { Description = "Body size in bytes", DefaultValueFactory = _ => 1024 }.AtLeast(1);

    public void AddTo(Command command)
    {
        command.Options.Add(Topic);
        command.Options.Add(Queues);
        command.Options.Add(Size);
    }

    /// <summary>Prints the report as JSON or text; the exit code says whether anything failed or went missing.</summary>
    public static int Finish(CliContext cli, BenchReport report)
    {
        foreach (var e in report.Errors) cli.Err.WriteLine($"error: {e}");
        if (cli.Json) cli.WriteJson(report);
        else report.PrintHuman(cli.Out);
        return report.Failed == 0 && report.Missing is null or 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }
}
