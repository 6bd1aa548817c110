using Akka.Event;
using Rocket.Client.Offsets;

namespace Rocket.Client.Consuming;

/// <summary>A broadcasting push consumer's start: its local offset file opened and read, the loaded offsets in its config.</summary>
internal static class BroadcastOffsets
{
    public static ConsumerConfig Open(ConsumerConfig config, PushConsumerOptions options, RocketClient client)
    {
        string host = client.ClientId.Split('@')[0];
        string path = LocalOffsetStore.PathFor(options.LocalOffsetStoreDir ?? client.Settings.LocalOffsetStoreDir,
            $"{host}@{client.Settings.InstanceName}", config.Group);
        var (store, loaded) = LocalOffsetStore.Open(path);
        if (loaded.Warning is { } warning)
            Akka.Event.Logging.GetLogger(client.System, typeof(BroadcastOffsets)).Warning("group {0}: {1}", config.Group, warning);
        return config with { LocalOffsets = store, LoadedOffsets = loaded.Offsets };
    }
}
