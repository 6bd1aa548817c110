using System.Globalization;
using System.Text;
using Rocket.Client;

namespace Rocket.Cli.Commands.Shared;

/// <summary>
/// <c>consume --handled-log FILE</c> (a testing aid): each handled batch is appended as lines "utc-ticks KEYS VERIFY_SEQ"
/// in one write before the handler returns, so the file survives a SIGKILL of the consumer with everything it
/// acknowledged; the logs of several consumers merged by time give the group's handling order per key.
/// </summary>
public sealed class HandledLog(string path)
{
    private readonly FileStream _file = new(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 1);
    private readonly object _gate = new();

    public void Append(IReadOnlyList<ReceivedMessage> batch)
    {
        var text = new StringBuilder();
        long ticks = DateTime.UtcNow.Ticks;
        foreach (var m in batch)
            text.Append(ticks.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(m.Keys ?? "-").Append(' ')
                .Append(m.Properties.GetValueOrDefault(VerifyProperties.Seq) ?? "-").Append('\n');
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        lock (_gate)
        {
            _file.Write(bytes); // unbuffered: one write(2) per batch, in the page cache before the handler returns
            _file.Flush();
        }
    }
}
