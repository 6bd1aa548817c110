using System.Net;
using Rocket.Protocol;

namespace Rocket.Broker.Produce;

/// <summary>
/// A produce request that came over the data channel: its born host is the client's socket address (RocketMQ's
/// bornHost), since the answering actor is a local connection actor rather than the client's remote one.
/// </summary>
internal sealed record ChannelProduceRequest(ProduceRequest Request, IPEndPoint? BornHost);
