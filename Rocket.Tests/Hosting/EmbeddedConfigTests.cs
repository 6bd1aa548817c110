using Akka.Configuration;
using Rocket.Settings;
using Xunit;

namespace Rocket.Tests.Hosting;

/// <summary>
/// Every default lives once, in an embedded .conf file with a comment that says what it does: the rule is checked on
/// the files themselves, and the settings classes are checked to read them.
/// </summary>
public class EmbeddedConfigTests
{
    private static readonly System.Reflection.Assembly Library = typeof(RocketConfig).Assembly;

    private static string[] Resources() =>
        Library.GetManifestResourceNames().Where(n => n.EndsWith(".conf", StringComparison.Ordinal)).Order().ToArray();

    public static TheoryData<string> ConfFiles() => new(Resources());

    [Fact]
    public void The_library_embeds_its_conf_files() =>
        Assert.Equal(
            ["Rocket.Client.client.conf", "Rocket.Hosting.broker.conf", "Rocket.Hosting.node.conf",
             "Rocket.Hosting.seed.conf", "Rocket.Hosting.standalone.conf", "Rocket.reference.conf"],
            Resources());

    [Theory]
    [MemberData(nameof(ConfFiles))]
    public void Every_key_has_a_comment(string resource)
    {
        var lines = Text(resource).Split('\n');
        var uncommented = new List<string>();
        for (int i = 0; i < lines.Length; i++)
            if (IsLeafKey(lines[i]) && !IsCommented(lines, i)) uncommented.Add($"line {i + 1}: {lines[i].Trim()}");
        Assert.True(uncommented.Count == 0, $"{resource}: keys without a comment in their paragraph or block:\n" + string.Join("\n", uncommented));
    }

    [Theory]
    [MemberData(nameof(ConfFiles))]
    public void Every_file_parses(string resource) => Assert.NotNull(ConfigurationFactory.ParseString(Text(resource)).Root);

    /// <summary>
    /// The settings records keep C# initial values so that <c>new ClientSettings { Seeds = … }</c> works from code;
    /// they must be the reference.conf defaults, never a second opinion.
    /// </summary>
    [Fact]
    public void Settings_records_start_from_the_reference_defaults()
    {
        AssertSame(new Rocket.Client.ClientSettings(), Rocket.Client.ClientSettings.FromConfig(Config.Empty));
        AssertSame(new Rocket.Broker.BrokerSettings(), Rocket.Broker.BrokerSettings.FromConfig(Config.Empty));
        AssertSame(new Rocket.Naming.NamingSettings(), Rocket.Naming.NamingSettings.FromConfig(Config.Empty));
        AssertSame(new Rocket.Store.StoreSettings { Directory = "./data" }, Rocket.Store.StoreSettings.FromConfig(Config.Empty));
        AssertSame(new Rocket.Broker.Metadata.MetadataSettings { BackupDirectory = Rocket.Broker.Metadata.MetadataSettings.BackupDirectoryOf("./data") },
            Rocket.Broker.Metadata.MetadataSettings.FromConfig(Config.Empty, "./data"));

        static void AssertSame<T>(T initial, T fromReference)
        {
            foreach (var property in typeof(T).GetProperties().Where(p => p.CanWrite))
            {
                var (a, b) = (property.GetValue(initial), property.GetValue(fromReference));
                bool same = a is System.Collections.IEnumerable ea && a is not string
                    ? ea.Cast<object>().Order().SequenceEqual(((System.Collections.IEnumerable)b!).Cast<object>().Order())
                    : Equals(a, b);
                Assert.True(same, $"{typeof(T).Name}.{property.Name}: C# starts at {a}, reference.conf says {b}");
            }
        }
    }

    [Fact]
    public void The_comment_check_can_fail()
    {
        var lines = "# about a\na = 1\n\nb = 2\nc {\n  d = 3\n}".Split('\n');
        Assert.True(IsCommented(lines, 1));
        Assert.False(IsCommented(lines, 3));
        Assert.False(IsCommented(lines, 5));
    }

    private static string Text(string resource)
    {
        using var stream = Library.GetManifestResourceStream(resource)!;
        return new StreamReader(stream).ReadToEnd();
    }

    /// <summary>A line that sets a value (not one that only opens a block).</summary>
    private static bool IsLeafKey(string line)
    {
        var t = line.Trim();
        if (t.Length == 0 || t.StartsWith('#') || t.StartsWith('}') || t.EndsWith('{')) return false;
        return t.Contains('=') || t.Contains(':');
    }

    /// <summary>
    /// A comment sits in the key's paragraph (the lines above it up to a blank line or a closing brace), or the block
    /// the paragraph opens in is itself commented.
    /// </summary>
    private static bool IsCommented(string[] lines, int index)
    {
        for (int i = index - 1; i >= 0; i--)
        {
            var t = lines[i].Trim();
            if (t.StartsWith('#')) return true;
            if (t.Length == 0 || t.StartsWith('}')) return false;
            if (t.EndsWith('{')) return IsCommented(lines, i);
        }
        return false;
    }
}
