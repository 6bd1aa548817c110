using Rocket.Protocol;
using Xunit;

namespace Rocket.Tests.Serialization;

/// <summary>
/// Field-by-field equality for the hot-path messages: their records hold arrays, which record equality compares by
/// reference, so a decoded copy would never be "equal".
/// </summary>
public static class WireAssert
{
    public static void Same(IRocketWire expected, object actual)
    {
        switch (expected)
        {
            case ProduceRequest e: Same(e, Assert.IsType<ProduceRequest>(actual)); break;
            case ProduceResponse e: Same(e, Assert.IsType<ProduceResponse>(actual)); break;
            case PullRequest e: Assert.Equal(e, Assert.IsType<PullRequest>(actual)); break; // no arrays: record equality works
            case PullResponse e: Same(e, Assert.IsType<PullResponse>(actual)); break;
            case ReplicaChunk e:
                var chunk = Assert.IsType<ReplicaChunk>(actual);
                Assert.Equal((e.SessionId, e.StartOffset, e.MasterMaxOffset), (chunk.SessionId, chunk.StartOffset, chunk.MasterMaxOffset));
                Assert.Equal(e.Bytes, chunk.Bytes);
                break;
            case ReplicaAck e: Assert.Equal(e, Assert.IsType<ReplicaAck>(actual)); break;
            default: throw new ArgumentException($"no comparison for {expected.GetType()}");
        }
    }

    private static void Same(ProduceRequest expected, ProduceRequest actual)
    {
        Assert.Equal(expected.RequestId, actual.RequestId);
        Items(expected.Messages, actual.Messages, (e, a) =>
        {
            Assert.Equal(e.Topic, a.Topic);
            Assert.Equal(e.QueueId, a.QueueId);
            Assert.Equal(e.Body, a.Body);
            Assert.Equal(e.Properties, a.Properties);
            Assert.Equal(e.Flag, a.Flag);
            Assert.Equal(e.BornTimestamp, a.BornTimestamp);
        });
    }

    private static void Same(ProduceResponse expected, ProduceResponse actual)
    {
        Assert.Equal(expected.RequestId, actual.RequestId);
        Items(expected.Results, actual.Results, (e, a) => Assert.Equal(e, a)); // a struct of scalars and a string
    }

    private static void Same(PullResponse expected, PullResponse actual)
    {
        Assert.Equal(expected with { Messages = [] }, actual with { Messages = [] });
        Items(expected.Messages, actual.Messages, (e, a) =>
        {
            Assert.Equal(e with { Body = [] }, a with { Body = [] });
            Assert.Equal(e.Body, a.Body);
        });
    }

    private static void Items<T>(T[]? expected, T[]? actual, Action<T, T> same)
    {
        if (expected is null)
        {
            Assert.Null(actual);
            return;
        }
        Assert.NotNull(actual);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) same(expected[i], actual[i]);
    }
}
