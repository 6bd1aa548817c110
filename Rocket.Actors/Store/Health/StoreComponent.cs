namespace Rocket.Store.Health;

/// <summary>The parts of the store that can fail on their own; each is reported and cleared by its one owner.</summary>
public enum StoreComponent
{
    /// <summary>Disk usage above disk-space-warning-level-ratio (set by retention's periodic check).</summary>
    Disk,
    /// <summary>The journal cannot append (e.g. no room for the next commit-log segment).</summary>
    Journal,
    /// <summary>Flushing the commit log, consume queues, key index or checkpoint failed.</summary>
    Flush,
    /// <summary>Building consume queues or the key index from the log failed: acknowledged messages are not consumable yet.</summary>
    Projection,
}
