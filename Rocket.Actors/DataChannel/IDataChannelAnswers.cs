namespace Rocket.DataChannel;

/// <summary>
/// An answer address whose answers are written onto a data channel: a pull answered to it may be an
/// <see cref="EncodedPullResponse"/>, whose messages are already in the wire format.
/// </summary>
internal interface IDataChannelAnswers;
