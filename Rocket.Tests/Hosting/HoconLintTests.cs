using Akka.Configuration;
using Rocket.Settings;
using Xunit;

namespace Rocket.Tests.Hosting;

public class HoconLintTests
{
    [Theory]
    [InlineData("a = 1\nb { c = \"x\" }\nd = [1, 2] # comment }\n// another ]")]
    [InlineData("a = \"\"\"multi\n{line\"\"\"\nb = \"esc\\\"aped\"")]
    [InlineData("")]
    public void Valid_hocon_passes(string text) => HoconLint.Check(text, "f");

    [Theory]
    [InlineData("rocket { store { dir = ", "line 1")]
    [InlineData("a {\n  b = 1\n", "'{' is never closed")]
    [InlineData("a = [1, 2", "'[' is never closed")]
    [InlineData("a = 1\n}", "line 2: '}' does not close anything")]
    [InlineData("a = \"unterminated\nb = 2", "never closed")]
    [InlineData("a = 1\nb =", "no value")]
    public void Broken_hocon_is_reported_with_its_line(string text, string expected) =>
        Assert.Contains(expected, Assert.Throws<ConfigurationException>(() => HoconLint.Check(text, "f")).Message);
}
