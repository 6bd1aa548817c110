using Rocket.Protocol;
using Rocket.Store.Format;
using Rocket.Store;
using Rocket.Store.Log;
using Xunit;

namespace Rocket.Tests.Store;

public class MessageLimitsTests
{
    private readonly MessageLimits _limits = new(maxMessageSize: 1024, maxPropertiesSize: 64);

    private AppendResult Check(MessageToStore m)
    {
        _limits.TryCheck(m, out _, out var rejection);
        return rejection;
    }

    [Fact]
    public void An_oversized_body_names_the_limit()
    {
        var r = Check(new MessageToStore("T", 0, new byte[1025]));
        Assert.Equal(AppendStatus.MessageIllegal, r.Status);
        Assert.Contains("max-message-size is 1024", r.Error);
        Assert.True(_limits.TryCheck(new MessageToStore("T", 0, new byte[1024]), out _, out _));
    }

    [Fact]
    public void An_empty_body_is_rejected() =>
        Assert.Contains("empty", Check(new MessageToStore("T", 0, Array.Empty<byte>())).Error);

    [Fact]
    public void A_negative_queue_id_is_rejected() =>
        Assert.Contains("negative", Check(new MessageToStore("T", -1, new byte[1])).Error);

    [Fact]
    public void Oversized_properties_name_the_limit()
    {
        var r = Check(new MessageToStore("T", 0, new byte[1], MessageProperties.Encode([new("KEYS", new string('k', 80))])));
        Assert.Equal(AppendStatus.PropertiesSizeExceeded, r.Status);
        Assert.Contains("max-properties-size is 64", r.Error);
    }
}
