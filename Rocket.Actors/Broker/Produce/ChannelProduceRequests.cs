using System.Net;
using Rocket.Protocol;

namespace Rocket.Broker.Produce;

/// <summary>
/// The produce requests one socket read of a data channel connection brought, in their order: the produce actor
/// writes what it accepts of them as one journal batch. Their born host is the client's socket address (RocketMQ's
/// bornHost), since the answering actor is a local connection actor rather than the client's remote one.
/// </summary>
internal sealed record ChannelProduceRequests(ProduceRequest[] Requests, IPEndPoint? BornHost);
