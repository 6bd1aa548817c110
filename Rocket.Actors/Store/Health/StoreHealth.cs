namespace Rocket.Store.Health;

/// <summary>
/// Whether the store can do its work, and if not why. Each <see cref="StoreComponent"/> has one owner (an actor or
/// retention) that reports and clears its own problem; while any problem is set the store refuses writes, so the
/// broker never acknowledges a message it cannot make consumable or durable. Readers (the append path, the broker's
/// published record) read one volatile string; the lock is taken only when a state changes, which is rare.
/// </summary>
public sealed class StoreHealth
{
    private static readonly StoreComponent[] Components = Enum.GetValues<StoreComponent>();
    private readonly object _changeLock = new();
    private readonly string?[] _problems = new string?[Components.Length];
    private volatile string? _problem;

    /// <summary>True while no component reports a problem.</summary>
    public bool IsHealthy => _problem is null;

    /// <summary>Every current problem, "component: reason" joined by "; "; null when healthy.</summary>
    public string? Problem => _problem;

    /// <summary>The problem <paramref name="component"/> reports, or null.</summary>
    public string? ProblemOf(StoreComponent component) => Volatile.Read(ref _problems[(int)component]);

    /// <summary>Sets (or updates) the component's problem. Returns true when the component was healthy before: log then, once.</summary>
    public bool Fail(StoreComponent component, string problem)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(problem);
        lock (_changeLock)
        {
            bool wasHealthy = _problems[(int)component] is null;
            Volatile.Write(ref _problems[(int)component], problem);
            _problem = Summary();
            return wasHealthy;
        }
    }

    /// <summary>Clears the component's problem. Returns true when it had one: log the recovery then, once.</summary>
    public bool Clear(StoreComponent component)
    {
        if (Volatile.Read(ref _problems[(int)component]) is null) return false;
        lock (_changeLock)
        {
            if (_problems[(int)component] is null) return false;
            Volatile.Write(ref _problems[(int)component], null);
            _problem = Summary();
            return true;
        }
    }

    private string? Summary()
    {
        string? summary = null;
        foreach (var component in Components)
            if (_problems[(int)component] is { } problem)
                summary = summary is null ? problem : summary + "; " + problem;
        return summary;
    }
}
