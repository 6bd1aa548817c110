namespace Rocket.Protocol;

/// <summary>Hot-path messages (produce, pull): carried by the compact Rocket wire serializer.</summary>
public interface IRocketWire;

/// <summary>Every other message between Rocket processes: carried by Hyperion.</summary>
public interface IRocketMessage;
