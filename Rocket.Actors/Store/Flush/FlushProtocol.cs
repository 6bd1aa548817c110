namespace Rocket.Store.Flush;

/// <summary>SYNC_FLUSH: reply <paramref name="Reply"/> to <paramref name="ReplyTo"/> once the log is flushed to <paramref name="EndOffset"/>.</summary>
internal sealed record FlushRequest(long EndOffset, Akka.Actor.IActorRef ReplyTo, BatchAppended Reply, DateTimeOffset Deadline);
