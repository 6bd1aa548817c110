using System.Globalization;
using System.Text;
using Rocket.Protocol;
using Rocket.Store.Format;

namespace Rocket.Broker.Transaction;

/// <summary>What an op record says about one half message.</summary>
public enum OpKind
{
    /// <summary>Committed: the message was written to its real topic.</summary>
    Commit,
    RolledBack,
    /// <summary>Checked transaction-check-max times without an answer: moved to TRANS_CHECK_MAX_TIME_TOPIC.</summary>
    Discarded,
    /// <summary>One check-back was asked for (counts towards transaction-check-max).</summary>
    Checked,
}

/// <summary>
/// One record of <see cref="SystemTopics.TransactionOp"/> queue 0, RocketMQ's op message: tag <c>d</c> (settled:
/// commit, rollback or discard) with the half message's queue offset as its body in decimal ASCII, as RocketMQ writes
/// it. Rocket also writes tag <c>c</c> for every check-back asked, instead of re-appending the half message with
/// TRANSACTION_CHECK_TIMES + 1: the half message stays where it is (its offset is its identity, so a late or repeated
/// END_TRANSACTION is recognised) and its body is written once. <see cref="KindProperty"/> says which outcome a
/// <c>d</c> record is, for people reading the topic.
/// </summary>
public readonly record struct OpRecord(OpKind Kind, long HalfOffset)
{
    public const string SettledTag = "d";
    public const string CheckedTag = "c";
    /// <summary>commit, rollback, discard or check.</summary>
    public const string KindProperty = "TRAN_OP";

    public MessageToStore ToStore() =>
        new(SystemTopics.TransactionOp, 0, Encoding.ASCII.GetBytes(HalfOffset.ToString(CultureInfo.InvariantCulture)),
            MessageProperties.Encode([new(MessageProperties.Tags, Kind == OpKind.Checked ? CheckedTag : SettledTag), new(KindProperty, Name(Kind))]),
            BornTimestamp: DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    /// <summary>The op record stored in <paramref name="message"/>, or null (with why) when it is not one.</summary>
    public static OpRecord? Parse(StoredMessage message, out string? error)
    {
        error = null;
        var body = Encoding.ASCII.GetString(message.Body);
        if (!long.TryParse(body, NumberStyles.None, CultureInfo.InvariantCulture, out long halfOffset))
        {
            error = $"body '{body}' is not a half-message offset";
            return null;
        }
        var kind = MessageProperties.Get(message.Properties, KindProperty);
        var tag = message.Tags;
        OpKind? parsed = (tag, kind) switch
        {
            (CheckedTag, _) => OpKind.Checked,
            (SettledTag, "commit") => OpKind.Commit,
            (SettledTag, "rollback") => OpKind.RolledBack,
            (SettledTag, "discard") => OpKind.Discarded,
            (SettledTag, _) => OpKind.Commit, // a bare RocketMQ "d": settled, outcome not recorded
            _ => null,
        };
        if (parsed is null)
        {
            error = $"tag '{tag}' is neither '{SettledTag}' nor '{CheckedTag}'";
            return null;
        }
        return new OpRecord(parsed.Value, halfOffset);
    }

    private static string Name(OpKind kind) => kind switch
    {
        OpKind.Commit => "commit",
        OpKind.RolledBack => "rollback",
        OpKind.Discarded => "discard",
        _ => "check",
    };
}
