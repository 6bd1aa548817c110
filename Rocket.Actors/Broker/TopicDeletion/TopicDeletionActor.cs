using Akka.Actor;
using Akka.Event;
using Rocket.Broker.Metadata;
using Rocket.Protocol;
using Rocket.Store.Format;
using Rocket.Store;

namespace Rocket.Broker.TopicDeletion;

/// <summary>
/// Deletes one topic on this broker, step by step, as RocketMQ's deleteTopic does (config, consume queues, consumer
/// offsets; the commit log keeps the bytes until retention):
/// <list type="number">
/// <item>hold the topic's writes (produce), so no message lands between the delete and the tombstone;</item>
/// <item>delete its config (persisted) — skipped for an orphan, whose config is already gone;</item>
/// <item>append a topic tombstone to the commit log and wait until the projector has passed it: the consume queues are
/// gone and the topic's queue offsets start at 0 again; a crash-recovery replay meets the same tombstone;</item>
/// <item>drop every group's offsets on the topic (persisted);</item>
/// <item>stop the topic's pull queues, release the hold, answer the requester.</item>
/// </list>
/// On a slave (<c>replica</c>) step 3 is left out: its log must stay byte-identical to the master's, and the master's
/// own tombstone reaches it through replication and removes the consume queues there.
/// </summary>
public sealed class TopicDeletionActor : ReceiveActor
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly string _topic;
    private readonly bool _orphan;
    private readonly bool _replica;
    private readonly IActorRef? _requester;
    private readonly TopicDeletionParts _parts;
    private readonly string _brokerName;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _configGone;
    private string _step = "holding writes";

    /// <param name="orphan">The topic has consume queues but no config (a delete cut short by a crash).</param>
    /// <param name="requester">Gets the <see cref="AdminResult"/>; null for an orphan found at start.</param>
    /// <param name="replica">This broker is a slave: it writes no tombstone (the master's comes with the log).</param>
    public TopicDeletionActor(string topic, bool orphan, IActorRef? requester, TopicDeletionParts parts, string brokerName, bool replica)
    {
        _topic = topic;
        _orphan = orphan;
        _replica = replica;
        _configGone = orphan;
        _requester = requester;
        _parts = parts;
        _brokerName = brokerName;

        Receive<TopicHeld>(_ =>
        {
            if (_orphan) AfterConfig();
            else
            {
                _step = "deleting the config";
                _parts.Topics.Tell(new DeleteTopic(_topic));
            }
        });
        Receive<AdminResult>(result =>
        {
            if (!result.Ok) Finish(result);
            else
            {
                _configGone = true;
                AfterConfig();
            }
        });
        Receive<BatchAppended>(appended =>
        {
            var result = appended.Results.Single();
            if (!result.IsOk)
            {
                Finish(new AdminResult(false, $"topic '{_topic}' on broker {_brokerName}: its config is deleted but its tombstone " +
                                              $"could not be written ({result.Status}: {result.Error}); its data is deleted at the next start"));
                return;
            }
            _step = "waiting for the projector to delete the consume queues";
            _parts.Store.Tell(new AwaitProjection(result.PhysicalOffset));
        });
        Receive<ProjectedPast>(_ => DeleteOffsets());
        Receive<TopicOffsetsDeleted>(_ =>
        {
            _parts.Pulls.Tell(new TopicDeleted(_topic));
            Finish(new AdminResult(true));
        });
        Receive<ReceiveTimeout>(_ => Finish(new AdminResult(false,
            $"deleting topic '{_topic}' on broker {_brokerName} did not finish within {Timeout.TotalSeconds:F0} s (stuck {_step})")));
    }

    public static Props Props(string topic, bool orphan, IActorRef? requester, TopicDeletionParts parts, string brokerName, bool replica = false) =>
        Akka.Actor.Props.Create(() => new TopicDeletionActor(topic, orphan, requester, parts, brokerName, replica));

    protected override void PreStart()
    {
        Context.SetReceiveTimeout(Timeout);
        _parts.Produce.Tell(new HoldTopic(_topic));
    }

    private void AfterConfig()
    {
        if (_replica) DeleteOffsets();
        else AppendTombstone();
    }

    private void DeleteOffsets()
    {
        _step = "deleting consumer offsets";
        _parts.Offsets.Tell(new DeleteTopicOffsets(_topic));
    }

    private void AppendTombstone()
    {
        _step = "writing the tombstone";
        _parts.Store.Tell(new AppendBatch(0, [TopicTombstone.For(_topic)]));
    }

    private void Finish(AdminResult result)
    {
        _parts.Produce.Tell(new ReleaseTopic(_topic, Deleted: _configGone));
        if (result.Ok) _log.Info("Topic {0} deleted on broker {1}{2}{3}", _topic, _brokerName, _orphan ? " (its config was already gone)" : "",
            _replica ? " (a slave: its consume queues go with the master's tombstone in the copied log)" : "");
        else _log.Warning("Deleting topic {0} failed: {1}", _topic, result.Error);
        _requester?.Tell(result);
        Context.Stop(Self);
    }
}

/// <summary>The broker children a topic delete talks to.</summary>
public sealed record TopicDeletionParts(IActorRef Produce, IActorRef Topics, IActorRef Store, IActorRef Offsets, IActorRef Pulls);
