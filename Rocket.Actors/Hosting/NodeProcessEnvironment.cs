namespace Rocket.Hosting;

/// <summary>
/// Runtime settings of the broker node process that .NET reads only from environment variables (a runtimeconfig.json
/// cannot carry them), set by the process itself before it makes its first socket. A value the operator set wins.
/// </summary>
public static class NodeProcessEnvironment
{
    /// <summary>
    /// Socket completions run on the socket engine's own threads (one per CPU when set) instead of being handed to the
    /// thread pool first. What runs there only decodes and hands on: the data channel's read loop tells the produce
    /// actor (on the journal's thread) and the pull router, DotNetty hands its completions to its event loops, and the
    /// listener tells its actor. A produce request reaches the journal's thread without waking a pool worker on the way
    /// (docs/performance.md, "Twenty-eighth round").
    /// </summary>
    public const string InlineSocketCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Sets what the operator left unset; call first thing in <c>Main</c>, before any socket exists.</summary>
    public static void Apply() => Apply(Environment.GetEnvironmentVariable, Environment.SetEnvironmentVariable);

    /// <summary>The same on the environment <paramref name="get"/> reads and <paramref name="set"/> writes.</summary>
    public static void Apply(Func<string, string?> get, Action<string, string> set)
    {
        if (get(InlineSocketCompletions) is null) set(InlineSocketCompletions, "1");
    }
}
