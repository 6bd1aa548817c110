using Rocket.Protocol;
using Rocket.Store.Format;
using Xunit;

namespace Rocket.Tests.ProtocolRules;

/// <summary>The one topic and group naming rule that client, broker and store share.</summary>
public class ResourceNamesTests
{
    [Theory]
    [InlineData("TopicA")]
    [InlineData("%RETRY%group_1")]
    [InlineData("a|b-c_D9")]
    public void Valid_names_pass(string name)
    {
        Assert.Null(ResourceNames.CheckTopic(name));
        Assert.Null(ResourceNames.CheckGroup(name));
    }

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData(null, "must not be empty")]
    [InlineData(" ", "[%|a-zA-Z0-9_-]")]
    [InlineData("topic with space", "[%|a-zA-Z0-9_-]")]
    [InlineData("tópico", "[%|a-zA-Z0-9_-]")]
    [InlineData("a/b", "[%|a-zA-Z0-9_-]")]
    public void Invalid_names_are_rejected_with_the_rule(string? name, string reason)
    {
        Assert.Contains("topic name", ResourceNames.CheckTopic(name));
        Assert.Contains(reason, ResourceNames.CheckTopic(name));
        Assert.Contains("group name", ResourceNames.CheckGroup(name));
        Assert.Contains(reason, ResourceNames.CheckGroup(name));
    }

    [Fact]
    public void Topics_have_at_most_127_characters_and_groups_255()
    {
        Assert.Null(ResourceNames.CheckTopic(new string('t', 127)));
        Assert.Contains("limit is 127", ResourceNames.CheckTopic(new string('t', 128)));
        Assert.Null(ResourceNames.CheckGroup(new string('g', 255)));
        Assert.Contains("limit is 255", ResourceNames.CheckGroup(new string('g', 256)));
    }

    [Fact]
    public void Every_valid_topic_fits_the_commit_log_topic_length() =>
        Assert.True(ResourceNames.MaxTopicLength <= MessageRecord.MaxTopicBytes);
}
