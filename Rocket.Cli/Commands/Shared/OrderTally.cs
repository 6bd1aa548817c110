using System.Globalization;
using Rocket.Client;

namespace Rocket.Cli.Commands.Shared;

/// <summary>
/// <c>consume --verify-order</c>: per order key (the message's KEYS, as <c>send --order-keys</c> sets it) the last handled
/// VERIFY_SEQ. A sequence below it that was handled before is a redelivery (at least once: a batch whose offset was not
/// committed when its queue moved); one never handled before is an order violation.
/// </summary>
public sealed class OrderTally
{
    public enum Step { InOrder, Redelivered, Violation }

    private readonly object _gate = new();
    private readonly Dictionary<string, long> _last = new(StringComparer.Ordinal);
    private readonly HashSet<long> _handled = new();
    private long _violations, _redelivered, _unchecked;

    /// <summary>Times a key's sequence went backwards to a sequence not handled before.</summary>
    public long Violations => Interlocked.Read(ref _violations);
    /// <summary>Handled again: a sequence at or below its key's last one that was handled before.</summary>
    public long Redelivered => Interlocked.Read(ref _redelivered);
    /// <summary>Messages without KEYS or VERIFY_SEQ: their order cannot be checked.</summary>
    public long Unchecked => Interlocked.Read(ref _unchecked);

    /// <summary>A batch the handler consumed (Success), in handling order.</summary>
    public void Record(IReadOnlyList<ReceivedMessage> batch)
    {
        lock (_gate)
            foreach (var message in batch)
            {
                if (message.Keys is not { Length: > 0 } key || !message.Properties.TryGetValue(VerifyProperties.Seq, out var text)
                    || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long seq))
                {
                    _unchecked++;
                    continue;
                }
                switch (Observe(key, seq))
                {
                    case Step.Violation: _violations++; break;
                    case Step.Redelivered: _redelivered++; break;
                }
            }
    }

    /// <summary>One handled message of <paramref name="key"/>; callers serialise (Record holds the lock).</summary>
    public Step Observe(string key, long seq)
    {
        bool before = !_handled.Add(seq);
        if (_last.TryGetValue(key, out long last) && seq <= last) return before ? Step.Redelivered : Step.Violation;
        _last[key] = seq;
        return before ? Step.Redelivered : Step.InOrder;
    }
}
