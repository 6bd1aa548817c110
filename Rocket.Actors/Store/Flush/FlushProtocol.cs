namespace Rocket.Store.Flush;

/// <summary>
/// SYNC_FLUSH: reply <paramref name="Reply"/> (a <see cref="BatchAppended"/> or a replica's
/// <see cref="Replication.ReplicaAppended"/>) to <paramref name="ReplyTo"/> once the log is flushed to <paramref name="EndOffset"/>.
/// </summary>
internal sealed record FlushRequest(long EndOffset, Akka.Actor.IActorRef ReplyTo, object Reply, DateTimeOffset Deadline);
