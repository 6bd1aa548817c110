using Akka.Actor;
using Akka.Event;
using Rocket.Broker.Metadata;
using Rocket.Protocol;
using Rocket.Store;

namespace Rocket.Broker.Schedule;

/// <summary>
/// The delay-level schedule of a master broker (<c>/user/broker/schedule</c>): one <see cref="DelayLevelActor"/> per level
/// of <c>message-delay-level</c> (<c>level-1</c> … <c>level-N</c>). It hands them the topic table and wakes the level
/// whose schedule queue received messages.
/// </summary>
public sealed class ScheduleActor : ReceiveActor
{
    public const string Name = "schedule";

    private readonly IActorRef[] _levels;

    public ScheduleActor(MessageStore store, IActorRef storeActor, IActorRef offsets, DelayLevelTable table)
    {
        _levels = new IActorRef[table.Count];
        for (int level = 1; level <= table.Count; level++)
            _levels[level - 1] = Context.ActorOf(DelayLevelActor.Props(store, storeActor, offsets, level, table.DelayMs(level)), $"level-{level}");

        var log = Context.GetLogger();
        log.Info("Delay-level schedule: {0} levels ({1})", table.Count, table);
        // A table shortened since messages were parked: queues of levels it no longer has are never delivered.
        foreach (var queue in store.ConsumeQueues.All)
            if (queue.Topic == SystemTopics.Schedule && queue.QueueId >= table.Count && queue.MaxOffset > queue.MinOffset)
                log.Warning("Schedule queue {0} (delay level {1}) holds messages but message-delay-level has only {2} levels: they are not delivered until the table has level {1} again",
                    queue.QueueId, queue.QueueId + 1, table.Count);
        Receive<TopicTableChanged>(changed =>
        {
            foreach (var level in _levels) level.Tell(changed);
        });
        Receive<MessagesArrived>(arrived =>
        {
            foreach (var queue in arrived.Queues)
                if (queue.Topic == SystemTopics.Schedule && queue.QueueId >= 0 && queue.QueueId < _levels.Length)
                    _levels[queue.QueueId].Tell(DelayLevelActor.Wake.Instance);
        });
    }

    public static Props Props(MessageStore store, IActorRef storeActor, IActorRef offsets, DelayLevelTable table) =>
        Akka.Actor.Props.Create(() => new ScheduleActor(store, storeActor, offsets, table));
}
