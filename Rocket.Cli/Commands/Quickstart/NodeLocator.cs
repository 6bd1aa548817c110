namespace Rocket.Cli.Commands.Quickstart;

/// <summary>Finds Rocket.Seed.dll / Rocket.Node.dll: next to rocket.dll (project references copy them), else in the repository's build output.</summary>
public static class NodeLocator
{
    public static string Find(string assembly)
    {
        var beside = Path.Combine(AppContext.BaseDirectory, assembly);
        if (File.Exists(beside)) return beside;

        // Running from somewhere else (a published rocket without the node projects): look for the repository.
        string project = Path.GetFileNameWithoutExtension(assembly);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "cluster.sln"))) continue;
            var bin = new DirectoryInfo(Path.Combine(dir.FullName, project, "bin"));
            var newest = bin.Exists
                ? bin.EnumerateFiles(assembly, SearchOption.AllDirectories).OrderByDescending(f => f.LastWriteTimeUtc).FirstOrDefault()
                : null;
            if (newest is not null) return newest.FullName;
            break;
        }
        throw new FileNotFoundException(
            $"{assembly} was found neither next to rocket.dll ({AppContext.BaseDirectory}) nor in the repository's build output; " +
            $"build it first: dotnet build {project}");
    }
}
