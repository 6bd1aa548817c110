namespace Rocket.Store.Retention;

/// <summary>What the first step of a retention pass saw and did (<see cref="MessageStore.DeleteExpiredSegments"/>).</summary>
public sealed record CommitLogRetention(double UsedPercent, bool Forced, int Deleted);
