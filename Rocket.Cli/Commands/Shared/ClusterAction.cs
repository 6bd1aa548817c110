using System.CommandLine;
using Rocket.Client;

namespace Rocket.Cli.Commands.Shared;

/// <summary>
/// Wraps a verb's body: adds the common options, builds the context, and turns client failures into one clear
/// stderr line and an exit code instead of a stack trace.
/// </summary>
public static class ClusterAction
{
    public static void Set(Command command, Func<ParseResult, CliContext, CancellationToken, Task<int>> body)
    {
        var common = new CommonOptions();
        common.AddTo(command);
        command.SetAction(async (parse, cancel) =>
        {
            var context = CliContext.From(parse, common);
            string name = CommandPath.Of(parse);
            try
            {
                int code = await body(parse, context, cancel);
                // A verb stopped by Ctrl+C / SIGTERM reports what it did, but the exit code says it did not finish.
                return cancel.IsCancellationRequested ? ExitCodes.Interrupted : code;
            }
            catch (RocketClientException e) when (e.Code == RocketErrorCode.NotSupported)
            {
                // e.g. a SQL92 --filter: the request itself is what cannot be done, before anything was consumed
                context.Err.WriteLine($"{name}: {e.Message}");
                return ExitCodes.Usage;
            }
            catch (RocketClientException e)
            {
                context.Err.WriteLine($"{name}: {e.Message}");
                return ExitCodes.Unavailable;
            }
            catch (Akka.Configuration.ConfigurationException e)
            {
                context.Err.WriteLine($"{name}: {e.Message}");
                return ExitCodes.Usage;
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                context.Err.WriteLine($"{name}: interrupted");
                return ExitCodes.Interrupted;
            }
        });
    }
}
