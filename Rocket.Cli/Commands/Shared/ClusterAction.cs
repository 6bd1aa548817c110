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
                if (cancel.IsCancellationRequested && code != ExitCodes.Interrupted)
                {
                    if (!context.ResultWritten) context.Error($"{name}: interrupted");
                    code = ExitCodes.Interrupted;
                }
                return context.Finish(code);
            }
            catch (RocketClientException e) when (e.Code == RocketErrorCode.NotSupported)
            {
                // e.g. a SQL92 --filter: the request itself is what cannot be done, before anything was consumed
                context.Error($"{name}: {e.Message}");
                return context.Finish(ExitCodes.Usage);
            }
            catch (RocketClientException e) when (e.Code is RocketErrorCode.TopicNotFound or RocketErrorCode.GroupNotFound)
            {
                // The cluster answered; what was asked for is not there.
                context.Error($"{name}: {e.Message}");
                return context.Finish(ExitCodes.Failed);
            }
            catch (RocketClientException e)
            {
                context.Error($"{name}: {e.Message}");
                return context.Finish(ExitCodes.Unavailable);
            }
            catch (Akka.Configuration.ConfigurationException e)
            {
                context.Error($"{name}: {e.Message}");
                return context.Finish(ExitCodes.Usage);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                context.Error($"{name}: interrupted");
                return context.Finish(ExitCodes.Interrupted);
            }
            catch (Exception e)
            {
                // A defect: the whole exception on stderr, and still one JSON object on stdout with --json.
                context.Err.WriteLine($"{name}: unexpected error: {e}");
                context.Error($"{name}: unexpected error: {e.GetType().Name}: {e.Message}");
                return context.Finish(ExitCodes.Failed);
            }
        });
    }
}
