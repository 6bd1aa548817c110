using Akka.Actor;
using Akka.Serialization;
using Rocket.Protocol;
using SerializationException = System.Runtime.Serialization.SerializationException;

namespace Rocket.Broker.Metadata;

/// <summary>
/// Binary format of the metadata journal and snapshots. Each payload starts with a format version byte so a later
/// Rocket can read what an earlier one wrote; the manifest names the record kind, never a CLR type.
/// </summary>
public sealed class MetadataSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Fixed, so stored rows keep resolving to this serializer whatever the config order.</summary>
    public const int Id = 4100;

    private const byte FormatVersion = 1;
    private const string OffsetsCommittedManifest = "offsets-committed";
    private const string OffsetSnapshotManifest = "offset-snapshot";
    private const string TopicSavedManifest = "topic-saved";
    private const string TopicRemovedManifest = "topic-removed";
    private const string TopicTableManifest = "topic-table";
    private const string TopicOffsetsRemovedManifest = "topic-offsets-removed";

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        OffsetsCommitted => OffsetsCommittedManifest,
        OffsetStoreSnapshot => OffsetSnapshotManifest,
        TopicSaved => TopicSavedManifest,
        TopicRemoved => TopicRemovedManifest,
        TopicTableSnapshot => TopicTableManifest,
        TopicOffsetsRemoved => TopicOffsetsRemovedManifest,
        _ => throw new ArgumentException($"{o.GetType()} is not a broker metadata record", nameof(o)),
    };

    public override byte[] ToBinary(object obj)
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer))
        {
            w.Write(FormatVersion);
            switch (obj)
            {
                case OffsetsCommitted e:
                    w.Write(e.Group);
                    w.Write(e.Offsets.Length);
                    foreach (var o in e.Offsets) { w.Write(o.Topic); w.Write(o.QueueId); w.Write(o.Offset); }
                    break;
                case OffsetStoreSnapshot s:
                    w.Write(s.Offsets.Length);
                    foreach (var o in s.Offsets) { w.Write(o.Group); w.Write(o.Topic); w.Write(o.QueueId); w.Write(o.Offset); }
                    break;
                case TopicSaved e:
                    WriteTopic(w, e.Topic);
                    break;
                case TopicRemoved e:
                    w.Write(e.Name);
                    break;
                case TopicOffsetsRemoved e:
                    w.Write(e.Topic);
                    break;
                case TopicTableSnapshot s:
                    w.Write(s.Topics.Length);
                    foreach (var t in s.Topics) WriteTopic(w, t);
                    break;
                default:
                    throw new ArgumentException($"{obj.GetType()} is not a broker metadata record", nameof(obj));
            }
        }
        return buffer.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        using var r = new BinaryReader(new MemoryStream(bytes, writable: false));
        byte version = r.ReadByte();
        if (version != FormatVersion)
            throw new SerializationException($"broker metadata record '{manifest}' has format version {version}; this Rocket reads {FormatVersion}");
        return manifest switch
        {
            OffsetsCommittedManifest => new OffsetsCommitted(r.ReadString(),
                ReadArray(r, () => new QueueOffset(r.ReadString(), r.ReadInt32(), r.ReadInt64()))),
            OffsetSnapshotManifest => new OffsetStoreSnapshot(
                ReadArray(r, () => new GroupQueueOffset(r.ReadString(), r.ReadString(), r.ReadInt32(), r.ReadInt64()))),
            TopicSavedManifest => new TopicSaved(ReadTopic(r)),
            TopicRemovedManifest => new TopicRemoved(r.ReadString()),
            TopicTableManifest => new TopicTableSnapshot(ReadArray(r, () => ReadTopic(r))),
            TopicOffsetsRemovedManifest => new TopicOffsetsRemoved(r.ReadString()),
            _ => throw new SerializationException($"unknown broker metadata record '{manifest}'"),
        };
    }

    private static void WriteTopic(BinaryWriter w, TopicConfig t)
    {
        w.Write(t.Name);
        w.Write(t.ReadQueues);
        w.Write(t.WriteQueues);
        w.Write((int)t.Perm);
    }

    private static TopicConfig ReadTopic(BinaryReader r) =>
        new(r.ReadString(), r.ReadInt32(), r.ReadInt32(), (TopicPerm)r.ReadInt32());

    private static T[] ReadArray<T>(BinaryReader r, Func<T> read)
    {
        int count = r.ReadInt32();
        if (count < 0) throw new SerializationException($"negative element count {count} in a broker metadata record");
        var items = new T[count];
        for (int i = 0; i < count; i++) items[i] = read();
        return items;
    }
}
