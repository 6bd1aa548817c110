using Akka.Actor;
using Akka.Event;
using Rocket.Client.Routing;
using Rocket.Protocol;

namespace Rocket.Client.Consuming;

/// <summary>
/// The puller's side of reading from slaves: it reads its queue from the broker the consumer names (<see cref="ReadFrom"/>)
/// and switches without losing its place (a slave's log is byte-identical to its master's, so queue offsets are the
/// same); it passes on a pull response's suggestion to read elsewhere; and, reading a slave, it redelivers a failed
/// message here instead of sending it back (a slave takes no writes; RocketMQ's consumer then falls back likewise).
/// </summary>
internal sealed partial class QueuePullerActor
{
    private BrokerAddress _readFrom;
    private long? _suggestionSent;      // the last suggestion passed on, so a repeated one is not passed on again
    private bool _sendBackRedirectSaid; // the "redelivered here" warning is said once per slave reading

    /// <summary>Continues at the same position on <paramref name="to"/>; an in-flight pull to the old broker no longer counts.</summary>
    private void SwitchTo(ReadFrom to)
    {
        _readFrom = to.Broker;
        _suggestionSent = null;
        _sendBackRedirectSaid = false;
        if (to.Broker.Path == _broker.Path) return; // same broker, a new role or epoch: nothing to re-point
        _broker.Release(Timers);
        _broker = new BrokerLink(Context, to.Broker.Path, _config.Client.SendTimeout);
        bool wasPulling = _pulling || _pullAbandoned;
        if (_pulling)
        {
            _pulling = false;
            _requestId++; // a late answer from the old broker is ignored
        }
        _pullAbandoned = wasPulling && _started; // pull again here once the new broker resolves
        _broker.Resolve();
    }

    /// <summary>Tells the consumer when a response suggests another broker than the one read now.</summary>
    private void FollowSuggestion(long? brokerId)
    {
        if (brokerId is not { } id) return;
        bool here = id == BrokerGroupRoles.MasterId ? _readFrom.Role.IsMaster() : id == _readFrom.BrokerId;
        if (here || _suggestionSent == id) return;
        _suggestionSent = id;
        _consumer.Tell(new PullSuggested(_queue, id));
    }

    /// <summary>Reading a slave: a message the handler did not consume is delivered again here, not sent back to a broker that takes no writes.</summary>
    private bool RedeliverInsteadOfSendingBack(IReadOnlyList<ReceivedMessage> batch)
    {
        if (_readFrom.Role.IsMaster()) return false;
        if (!_sendBackRedirectSaid)
            _log.Warning("{0} is read from slave broker id {1} of {2}, which takes no writes: messages not consumed are delivered again " +
                         "here after {3} s instead of going to the retry topic", _queue, _readFrom.BrokerId, _queue.BrokerName,
                _config.RetryLaterDelay.TotalSeconds);
        _sendBackRedirectSaid = true;
        RedeliverLater(batch);
        return true;
    }
}
