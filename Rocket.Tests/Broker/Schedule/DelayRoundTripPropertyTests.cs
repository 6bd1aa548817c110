using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Rocket.Broker;
using Rocket.Broker.Metadata;
using Rocket.Broker.Schedule;
using Rocket.Protocol;
using Rocket.Store.Format;
using Xunit;

namespace Rocket.Tests.Broker.Schedule;

/// <summary>Parking a delayed message and restoring it when due gives back the message as sent, plus its due time.</summary>
public sealed class DelayRoundTripPropertyTests
{
    private static readonly Gen<string> Names =
        Gen.Elements("TAGS", "KEYS", "UNIQ_KEY", "a", "user", "DELAYED", "XDELAY", "REAL", "k-1", "TIMER", "x_y");

    private static readonly Gen<string> Values = Gen.Elements("", "v", "DELAY", "REAL_TOPIC", "1", "TagA", "k1 k2", "ü");

    private static readonly Gen<(string Topic, int QueueId, int Level, (string, string)[] Properties)> Messages =
        from topic in Gen.Elements("Orders", "%RETRY%G1", "t")
        from queueId in Gen.Choose(0, 7)
        from level in Gen.Choose(1, 18)
        from properties in Gen.Zip(Names, Values).ArrayOf()
        select (topic, queueId, level, properties.DistinctBy(p => p.Item1).ToArray());

    [Property(MaxTest = 300)]
    public Property Park_then_restore_keeps_destination_and_every_property_and_adds_the_due_time() =>
        Prop.ForAll(Messages.ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (m, dueSeed) =>
        {
            var sent = m.Properties.Select(p => KeyValuePair.Create(p.Item1, p.Item2)).ToList();
            sent.Insert(sent.Count == 0 ? 0 : dueSeed % (sent.Count + 1), KeyValuePair.Create(MessageProperties.DelayLevel, m.Level.ToString()));
            string encoded = MessageProperties.Encode(sent);
            Assert.Null(DelayLevelRewrite.Refusal(encoded, new BrokerSettings().MessageDelayLevel));

            var parked = DelayLevelRewrite.Park(new MessageToStore(m.Topic, m.QueueId, new byte[] { 9 }, encoded, Flag: 3, BornTimestamp: 5, ReconsumeTimes: 1));
            Assert.Equal((SystemTopics.Schedule, m.Level - 1), (parked.Topic, parked.QueueId));

            long due = 1_700_000_000_000L + dueSeed;
            var stored = new StoredMessage(parked.Topic, parked.QueueId, parked.Flag, 0, 0, parked.SysFlag, parked.BornTimestamp, 1, null,
                parked.ReconsumeTimes, 0, parked.Properties, parked.Body.ToArray(), 100);
            var topics = new Dictionary<string, TopicConfig> { [m.Topic] = new(m.Topic, 8, 8) };
            var restored = ScheduledDelivery.Restore(stored, due, topics, out var problem);

            Assert.Null(problem);
            Assert.NotNull(restored);
            Assert.Equal((m.Topic, m.QueueId, 3, 5L, 1), (restored.Value.Topic, restored.Value.QueueId, restored.Value.Flag, restored.Value.BornTimestamp, restored.Value.ReconsumeTimes));
            var expected = m.Properties.ToDictionary(p => p.Item1, p => p.Item2);
            expected[MessageProperties.TimerOutMs] = due.ToString();
            Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), MessageProperties.Decode(restored.Value.Properties).OrderBy(p => p.Key, StringComparer.Ordinal));
        });
}
