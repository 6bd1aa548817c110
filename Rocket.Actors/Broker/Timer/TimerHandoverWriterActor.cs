using Akka.Actor;
using Akka.Event;
using Rocket.Protocol;

namespace Rocket.Broker.Timer;

/// <summary>
/// A slave's writer of <see cref="TimerHandoverFile"/>: takes each <see cref="ReplicaTimerProgress"/> copied from the
/// master and writes it when it changed. Runs on the timer dispatcher (blocking file I/O off the copying actor's thread).
/// </summary>
public sealed class TimerHandoverWriterActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private ReplicaTimerProgress? _written;
    private bool _failing;

    public TimerHandoverWriterActor(string path)
    {
        Receive<ReplicaTimerProgress>(progress =>
        {
            if (progress == _written) return;
            try
            {
                TimerHandoverFile.Write(path, progress);
                _written = progress;
                if (_failing) _log.Info("Timer handover {0} written again", path);
                _failing = false;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Once per failure streak; a promotion then starts the timer from this slave's older state (duplicates).
                if (!_failing) _log.Error("Cannot write the master's timer progress to {0}: {1}; a promotion would deliver timers the master already delivered again", path, e.Message);
                _failing = true;
            }
        });
    }

    public static Props Props(string path, string dispatcher) =>
        Akka.Actor.Props.Create(() => new TimerHandoverWriterActor(path)).WithDispatcher(dispatcher);
}
