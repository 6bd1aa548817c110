namespace Rocket.Store;

/// <summary>Base of every store failure; the message always names the problem and the limit or file involved.</summary>
public class StoreException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The store's files cannot be trusted or loaded (wrong size, foreign data, unreadable checkpoint).</summary>
public sealed class StoreCorruptException(string message, Exception? inner = null) : StoreException(message, inner);

/// <summary>Another process holds the store's lock file.</summary>
public sealed class StoreLockedException(string message) : StoreException(message);
