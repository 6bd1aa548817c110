using System.Globalization;

namespace Rocket.Cli.Commands.Bench;

/// <summary>
/// CPU time a broker process on this machine spent (user + system), from <c>/proc/PID/stat</c> (Linux, clock ticks
/// of 10 ms): read before and after a measured phase, it gives the broker's CPU per delivered message.
/// </summary>
public sealed class BrokerCpu
{
    private const double MillisPerTick = 10; // USER_HZ is 100 on Linux

    private readonly int _pid;
    private readonly double _startMs;

    private BrokerCpu(int pid, double startMs)
    {
        _pid = pid;
        _startMs = startMs;
    }

    public int Pid => _pid;

    /// <summary>Starts measuring <paramref name="pid"/>, or the only local Rocket.Node; null (with the reason) when there is none.</summary>
    public static BrokerCpu? Start(int? pid, out string? why)
    {
        why = null;
        int chosen;
        if (pid is { } given) chosen = given;
        else
        {
            var nodes = BrokerMemory.LocalNodes();
            if (nodes.Count != 1)
            {
                why = nodes.Count == 0 ? "no local Rocket.Node process found" : $"{nodes.Count} local Rocket.Node processes ({string.Join(", ", nodes)}): pick one with --broker-pid";
                return null;
            }
            chosen = nodes[0];
        }
        if (ReadMs(chosen) is not { } start)
        {
            why = $"no readable process {chosen} (--broker-pid)";
            return null;
        }
        return new BrokerCpu(chosen, start);
    }

    /// <summary>CPU milliseconds since <see cref="Start"/>, or null when the process is gone.</summary>
    public double? ElapsedMs() => ReadMs(_pid) is { } now ? now - _startMs : null;

    private static double? ReadMs(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long utime = long.Parse(fields[11], CultureInfo.InvariantCulture), stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
            return (utime + stime) * MillisPerTick;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
