namespace Rocket.Protocol;

/// <summary>
/// The topics the broker writes for itself (RocketMQ's names and meanings, so tools and habits carry over) and the
/// per-group retry and dead-letter topic names. Messages parked in an internal topic keep their destination in
/// <see cref="MessageProperties.RealTopic"/> / <see cref="MessageProperties.RealQueueId"/>.
/// </summary>
public static class SystemTopics
{
    /// <summary>Delay-level messages wait here, queue = level − 1, until due.</summary>
    public const string Schedule = "SCHEDULE_TOPIC_XXXX";
    /// <summary>Timer messages (any delivery time) wait here until due.</summary>
    public const string Timer = "rmq_sys_wheel_timer";
    /// <summary>Half (prepared) transactional messages, invisible to consumers until committed.</summary>
    public const string TransactionHalf = "RMQ_SYS_TRANS_HALF_TOPIC";
    /// <summary>Commit / rollback records ("op" messages) of half messages.</summary>
    public const string TransactionOp = "RMQ_SYS_TRANS_OP_HALF_TOPIC";
    /// <summary>Half messages whose transaction was checked transaction-check-max times without an answer (a normal topic admins can read).</summary>
    public const string TransactionCheckMaxTime = "TRANS_CHECK_MAX_TIME_TOPIC";

    public const string RetryPrefix = "%RETRY%";
    public const string DeadLetterPrefix = "%DLQ%";

    /// <summary>The group whose stored offsets are the delay-level schedule's progress (one queue per level).</summary>
    public const string ScheduleProgressGroup = "SCHEDULE_CONSUMER";
    /// <summary>The group whose stored offsets are the transaction check's progress (RocketMQ: CID_RMQ_SYS_TRANS).</summary>
    public const string TransactionProgressGroup = "CID_RMQ_SYS_TRANS";

    public static string RetryTopic(string group) => RetryPrefix + group;
    public static string DeadLetterTopic(string group) => DeadLetterPrefix + group;

    public static bool IsRetryTopic(string topic) => topic.StartsWith(RetryPrefix, StringComparison.Ordinal);
    public static bool IsDeadLetterTopic(string topic) => topic.StartsWith(DeadLetterPrefix, StringComparison.Ordinal);

    /// <summary>
    /// Topics only the broker reads and writes: never routed to clients, never produced to or pulled from by them,
    /// and never deleted as orphans at start (they have no topic config).
    /// </summary>
    public static bool IsInternal(string topic) =>
        topic is Schedule or Timer or TransactionHalf or TransactionOp;
}
