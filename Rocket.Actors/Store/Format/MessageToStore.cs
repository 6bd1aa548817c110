using System.Net;

namespace Rocket.Store.Format;

/// <summary>
/// One message handed to the journal. <see cref="Properties"/> is the encoded RocketMQ properties string
/// (<see cref="MessageProperties.Encode"/>); the journal assigns queue offset, physical offset and store time.
/// </summary>
public readonly record struct MessageToStore(
    string Topic,
    int QueueId,
    ReadOnlyMemory<byte> Body,
    string? Properties = null,
    int Flag = 0,
    int SysFlag = 0,
    long BornTimestamp = 0,
    IPEndPoint? BornHost = null,
    int ReconsumeTimes = 0,
    long PreparedTransactionOffset = 0);
