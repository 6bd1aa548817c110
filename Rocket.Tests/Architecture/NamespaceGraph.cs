using System.Reflection;
using System.Reflection.Emit;

namespace Rocket.Tests.Architecture;

/// <summary>One namespace using another, with one member that shows it.</summary>
public sealed record NamespaceEdge(string From, string To, string Example);

/// <summary>
/// Which namespace of an assembly uses which: read from each type's signatures, fields, locals and the tokens in its
/// method bodies (IL), so that a reference needing no <c>using</c> (a parent namespace) counts too.
/// </summary>
public sealed class NamespaceGraph
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private const BindingFlags Everything =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private NamespaceGraph(IReadOnlyList<NamespaceEdge> edges) => Edges = edges;

    public IReadOnlyList<NamespaceEdge> Edges { get; }

    /// <summary>True when <paramref name="ns"/> is <paramref name="root"/> or one of its children.</summary>
    public static bool IsWithin(string ns, string root) => ns == root || ns.StartsWith(root + ".", StringComparison.Ordinal);

    public static NamespaceGraph OfEdges(IEnumerable<(string From, string To, string Example)> edges) =>
        new(edges.Select(e => new NamespaceEdge(e.From, e.To, e.Example)).ToList());

    public static NamespaceGraph Of(Assembly assembly)
    {
        var edges = new Dictionary<(string, string), string>();
        foreach (var type in assembly.GetTypes())
        {
            string? from = type.Namespace;
            if (from is null) continue;
            foreach (var used in UsedTypes(type))
                foreach (var part in Parts(used))
                {
                    if (part.Assembly != assembly || part.Namespace is not { } to || to == from) continue;
                    edges.TryAdd((from, to), $"{type.FullName} uses {part.FullName}");
                }
        }
        return new(edges.Select(e => new NamespaceEdge(e.Key.Item1, e.Key.Item2, e.Value)).ToList());
    }

    /// <summary>
    /// The same graph one level up: each namespace counted as its area (<c>Rocket.Store.Log</c> as
    /// <c>Rocket.Store</c>), edges inside an area dropped.
    /// </summary>
    public NamespaceGraph Areas() => new(Edges
        .Select(e => e with { From = Area(e.From), To = Area(e.To) })
        .Where(e => e.From != e.To)
        .DistinctBy(e => (e.From, e.To))
        .ToList());

    private static string Area(string ns) => string.Join('.', ns.Split('.').Take(2));

    /// <summary>
    /// Strongly connected groups of more than one namespace, each listed as the edges inside it. An edge from a
    /// namespace to one of its own ancestors is not followed: an area's root namespace is its shared base and
    /// facade (settings, exceptions, <c>MessageStore</c>), which its rooms use and which composes them; the rooms
    /// themselves, and the areas, must not loop.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles()
    {
        var followed = Edges.Where(e => !IsWithin(e.From, e.To)).ToList();
        var next = followed.GroupBy(e => e.From).ToDictionary(g => g.Key, g => g.Select(e => e.To).ToList());
        var nodes = followed.SelectMany(e => new[] { e.From, e.To }).Distinct().ToList();
        // Tarjan's algorithm.
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var groups = new List<HashSet<string>>();
        foreach (var node in nodes)
            if (!index.ContainsKey(node)) Visit(node);

        return groups.Where(g => g.Count > 1)
            .Select(g => (IReadOnlyList<string>)followed.Where(e => g.Contains(e.From) && g.Contains(e.To))
                .Select(e => $"{e.From} -> {e.To} (e.g. {e.Example})").ToList())
            .ToList();

        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (var to in next.GetValueOrDefault(node) ?? [])
            {
                if (!index.ContainsKey(to)) { Visit(to); low[node] = Math.Min(low[node], low[to]); }
                else if (onStack.Contains(to)) low[node] = Math.Min(low[node], index[to]);
            }
            if (low[node] != index[node]) return;
            var group = new HashSet<string>();
            string member;
            do { member = stack.Pop(); onStack.Remove(member); group.Add(member); } while (member != node);
            groups.Add(group);
        }
    }

    private static IEnumerable<Type> UsedTypes(Type type)
    {
        if (type.BaseType is { } baseType) yield return baseType;
        foreach (var i in type.GetInterfaces()) yield return i;
        foreach (var a in type.GetCustomAttributesData()) yield return a.AttributeType;
        foreach (var f in type.GetFields(Everything)) yield return f.FieldType;
        foreach (var p in type.GetProperties(Everything)) yield return p.PropertyType;
        foreach (var e in type.GetEvents(Everything)) if (e.EventHandlerType is { } h) yield return h;
        foreach (var method in type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything)))
        {
            if (method is MethodInfo m) yield return m.ReturnType;
            foreach (var p in method.GetParameters()) yield return p.ParameterType;
            foreach (var used in BodyTypes(method)) yield return used;
        }
    }

    private static IEnumerable<Type> BodyTypes(MethodBase method)
    {
        MethodBody? body;
        try { body = method.GetMethodBody(); }
        catch (Exception) { yield break; }
        if (body is null) yield break;
        foreach (var local in body.LocalVariables) yield return local.LocalType;
        foreach (var clause in body.ExceptionHandlingClauses)
            if (clause.Flags == ExceptionHandlingClauseOptions.Clause) yield return clause.CatchType!;
        var il = body.GetILAsByteArray() ?? [];
        var typeArgs = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (int pos = 0; pos < il.Length;)
        {
            short value = il[pos] == 0xFE ? (short)(0xFE00 | il[pos + 1]) : il[pos];
            pos += il[pos] == 0xFE ? 2 : 1;
            var op = OpCodesByValue[value];
            switch (op.OperandType)
            {
                case OperandType.InlineType or OperandType.InlineTok or OperandType.InlineMethod or OperandType.InlineField:
                    int token = BitConverter.ToInt32(il, pos);
                    var member = method.Module.ResolveMember(token, typeArgs, methodArgs);
                    if (member is Type used) yield return used;
                    else if (member?.DeclaringType is { } declaring) yield return declaring;
                    if (member is FieldInfo field) yield return field.FieldType;
                    if (member is MethodInfo called) yield return called.ReturnType;
                    break;
            }
            pos += op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, pos),
                _ => 4,
            };
        }
    }

    /// <summary>A type and every type it is built from (array elements, generic arguments, declaring types).</summary>
    private static IEnumerable<Type> Parts(Type type)
    {
        if (type.HasElementType) { foreach (var p in Parts(type.GetElementType()!)) yield return p; yield break; }
        if (type.IsGenericParameter) yield break;
        yield return type;
        if (type.IsGenericType && !type.IsGenericTypeDefinition)
            foreach (var arg in type.GetGenericArguments())
                foreach (var p in Parts(arg)) yield return p;
    }
}
