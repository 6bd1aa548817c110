using System.Net;
using Rocket.Protocol;

namespace Rocket.Store.Format;

/// <summary>A message as read back from the commit log.</summary>
public sealed record StoredMessage(
    string Topic,
    int QueueId,
    int Flag,
    long QueueOffset,
    long PhysicalOffset,
    int SysFlag,
    long BornTimestamp,
    long StoreTimestamp,
    IPEndPoint? BornHost,
    int ReconsumeTimes,
    long PreparedTransactionOffset,
    string? Properties,
    byte[] Body,
    int StoreSize)
{
    public string? Tags => MessageProperties.Get(Properties, MessageProperties.Tags);
    public string? Keys => MessageProperties.Get(Properties, MessageProperties.Keys);
    public string? UniqueKey => MessageProperties.Get(Properties, MessageProperties.UniqueKey);
}
