namespace Rocket.Serialization;

/// <summary>
/// The layout of one hot-path message type. <see cref="Write"/> serves both the sizing and the writing pass.
/// Non-nullable reference fields are still written with a null marker and read back as they were sent (hence the
/// <c>!</c> in the readers): the wire reproduces the sender's object rather than failing on a contract breach.
/// A changed layout gets a new manifest, so old and new nodes fail loudly instead of misreading each other.
/// </summary>
internal interface IWireCodec<T>
{
    static abstract void Write<TSink>(ref TSink sink, T message) where TSink : IWireSink, allows ref struct;

    static abstract T Read(ref WireReader reader);
}
