using Akka.Actor;
using Akka.Event;
using Rocket.Broker.Admin;
using Rocket.Broker.DataChannel;
using Rocket.Broker.Groups;
using Rocket.Broker.Locks;
using Rocket.Broker.Metadata;
using Rocket.Broker.Metadata.Backup;
using Rocket.Broker.OffsetReset;
using Rocket.Broker.Produce;
using Rocket.Broker.Pull;
using Rocket.Broker.Replication;
using Rocket.Broker.Timer;
using Rocket.Broker.Retry;
using Rocket.Broker.Schedule;
using Rocket.Broker.TopicDeletion;
using Rocket.Broker.Transaction;
using Rocket.Naming;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Store.Replication;

namespace Rocket.Broker;

/// <summary>
/// A broker node's front door (<c>/user/broker</c>): producers, consumers and admin tools talk to it, and it hands
/// each request to the child that owns that concern.
/// <code>
/// broker
/// ├── store      journal, flush, projector (the store engine)
/// ├── topics     topic configs (persistent)
/// ├── offsets    consumer offsets (persistent)
/// ├── produce    write path: validation, auto-create, journal batches
/// ├── data-channel  clients' produce connections over plain TCP (Broker/DataChannel), one child per connection
/// ├── pulls      one actor per queue: reads and long-poll holds
/// ├── groups     consumer-group membership and rebalance notices
/// ├── offset-resets  resetOffsetByTime; every commit passes here (fenced while consumers adopt a reset)
/// ├── locks      queue locks of orderly consumers (lockBatchMQ / unlockBatchMQ)
/// ├── retry      consumer send-back: %RETRY%&lt;group&gt; through the delay levels, %DLQ%&lt;group&gt; at max reconsume times
/// ├── schedule   delay levels: one actor per level delivers due messages (masters only)
/// ├── transactions  half messages: commit / rollback, producer groups, check-back (see TransactionServiceActor)
/// ├── admin      message queries (key, unique key, offset) and store figures (Broker/Admin)
/// ├── publisher  the broker record in cluster gossip (routes)
/// ├── timer      timer messages: on-disk time wheel, delivery when due (masters only; Broker/Timer)
/// ├── replication  the master's end of replication: streams the commit log to slaves, SYNC_MASTER's waits
/// ├── role       role and epoch at run time, failover orders; runs the follower (a slave's end) while a slave
/// ├── metadata-copy  a slave copies topic configs (deletes too), consumer offsets and the timer's progress from its master; a master answers
/// └── delete-*   one per topic delete in progress (see TopicDeletionActor)
/// </code>
/// </summary>
public sealed class BrokerActor : ReceiveActor, IWithTimers
{
    /// <summary>How often the store's health is compared with what the broker last published.</summary>
    private static readonly TimeSpan HealthCheckInterval = TimeSpan.FromSeconds(1);

    private sealed class CheckStoreHealth { public static readonly CheckStoreHealth Instance = new(); }

    public const string Name = "broker";

    private readonly MessageStore _store;
    private readonly BrokerSettings _settings;
    private readonly BrokerParts _parts;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IActorRef _topics = ActorRefs.Nobody;
    private IActorRef _offsets = ActorRefs.Nobody;
    private IActorRef _produce = ActorRefs.Nobody;
    private IActorRef _pulls = ActorRefs.Nobody;
    private IActorRef _groups = ActorRefs.Nobody;
    private IActorRef _resets = ActorRefs.Nobody;
    private IActorRef _locks = ActorRefs.Nobody;
    private IActorRef _retry = ActorRefs.Nobody;
    private IActorRef _transactions = ActorRefs.Nobody;
    private IActorRef _storeActor = ActorRefs.Nobody;
    private IActorRef _timer = ActorRefs.Nobody;
    private IActorRef _schedule = ActorRefs.Nobody;
    private IActorRef _admin = ActorRefs.Nobody;
    private IActorRef _replication = ActorRefs.Nobody;
    private IActorRef _role = ActorRefs.Nobody;
    private IActorRef _metadataCopy = ActorRefs.Nobody;
    private IActorRef? _dataChannel;
    private string _dataChannelRefusal = "not started";
    private readonly BrokerRoleState _roleState;
    private BrokerRoleSnapshot? _publishedRole;
    private long? _publishedLag;
    private long _publishedMaxOffset;
    private DateTime _lastPublish;
    private readonly QueueActivity _activity = new();
    private readonly Dictionary<string, IActorRef> _deletions = new(StringComparer.Ordinal);
    private bool _orphansChecked;
    private IActorRef? _publisher;
    private TopicTableChanged? _lastTopics;
    private string? _publishedProblem;

    public ITimerScheduler Timers { get; set; } = null!;

    public BrokerActor(MessageStore store, BrokerSettings settings, BrokerParts parts)
    {
        _store = store;
        _settings = settings;
        _parts = parts;
        _roleState = new BrokerRoleState(settings.BrokerRole, ((object)store as IReplicaLog)?.CurrentEpoch ?? 0);

        Receive<ProduceRequest>(r => _produce.Forward(r));
        Receive<DataChannelQuery>(q =>
        {
            if (_dataChannel is null) Sender.Tell(new DataChannelRefused(_dataChannelRefusal));
            else _dataChannel.Forward(q);
        });
        Receive<PullRequest>(r =>
        {
            _activity.Pulled(r, Sender.Path);
            _pulls.Forward(r);
        });
        Receive<ChannelPullRequest>(r =>
        {
            _activity.Pulled(r.Request, r.Puller);
            _pulls.Tell(r.Request, Sender); // the data channel connection answers the client
        });
        Receive<ConsumerHeartbeat>(m =>
        {
            _groups.Forward(m);
            if (m.Model == MessageModel.Clustering && _roleState.IsMaster) _retry.Tell(new EnsureRetryTopic(m.Group));
        });
        Receive<ConsumerSendBack>(m => _retry.Forward(m));
        Receive<UnregisterConsumer>(m => _groups.Forward(m));
        Receive<GetConsumerIds>(m => _groups.Forward(m));
        Receive<LockBatchRequest>(m => _locks.Forward(m));
        Receive<UnlockBatchRequest>(m => _locks.Forward(m));
        Receive<EndTransaction>(m => _transactions.Forward(m));
        Receive<ProducerHeartbeat>(m => _transactions.Forward(m));
        Receive<UnregisterProducer>(m => _transactions.Forward(m));
        Receive<CommitOffsets>(m =>
        {
            _activity.Committed(m);
            _resets.Forward(m); // the reset fence, then the offset store
        });
        Receive<ResetGroupOffsets>(m => _resets.Forward(m));
        Receive<ConsumerOffsetsAdopted>(m => _resets.Forward(m));
        Receive<QueryOffset>(m => _resets.Forward(m)); // behind the commits that pass there: a commit then a query reads it back
        Receive<QueryQueueOffsets>(OnQueryQueueOffsets);
        Receive<QueryGroupProgress>(q => AskGroupDetail(q.Group, Sender, progressOnly: true));
        Receive<QueryGroupDetail>(q => AskGroupDetail(q.Group, Sender, progressOnly: false));
        Receive<GroupDetailParts>(OnGroupDetailParts);
        Receive<QueryMessagesByKey>(m => _admin.Forward(m));
        Receive<GetMessageByOffset>(m => _admin.Forward(m));
        Receive<GetMessageByUniqueKey>(m => _admin.Forward(m));
        Receive<QueryBrokerStats>(m => _admin.Forward(m));
        Receive<CreateOrUpdateTopic>(m => _topics.Forward(m));
        Receive<DeleteTopic>(m =>
        {
            _activity.ForgetTopic(m.Name);
            Delete(m.Name, orphan: false, Sender);
        });
        Receive<GetTopicConfigs>(m => _topics.Forward(m));
        Receive<TopicTableChanged>(OnTopicTableChanged);
        Receive<MessagesArrived>(m => _schedule.Tell(m)); // internal topics' arrivals, from the pull router
        Receive<FlushMetadataBackup>(OnFlushMetadataBackup);
        Receive<CheckStoreHealth>(_ => OnCheckStoreHealth());
        Receive<GetReplicaPosition>(m => _role.Forward(m));
        Receive<PromoteToMaster>(m => _role.Forward(m));
        Receive<FollowMaster>(m => _role.Forward(m));
        Receive<RoleChanged>(OnRoleChanged);
        Receive<GetReplicaMetadata>(m => _metadataCopy.Forward(m));
        Receive<GetTimerProgress>(m =>
        {
            if (_timer.IsNobody()) Sender.Tell(new TimerProgressAnswer(null)); // a slave runs no timer service
            else _timer.Forward(m);
        });
        Receive<Terminated>(t =>
        {
            if (t.ActorRef.Equals(_dataChannel))
            {
                _dataChannel = null;
                _dataChannelRefusal = "the data channel stopped (see the broker's log)";
            }
            foreach (var (topic, deletion) in _deletions.Where(d => d.Value.Equals(t.ActorRef)).ToArray()) _deletions.Remove(topic);
        });
    }

    public static Props Props(MessageStore store, BrokerSettings settings, BrokerParts parts) =>
        Akka.Actor.Props.Create(() => new BrokerActor(store, settings, parts));

    protected override void PreStart()
    {
        _pulls = Context.ActorOf(PullRouterActor.Props(_store, _settings, _roleState), "pulls");
        _storeActor = Context.ActorOf(StoreActor.Props(_store, arrivalListener: _pulls), "store");
        _topics = Context.ActorOf(_parts.Topics(Self), "topics");
        _offsets = Context.ActorOf(_parts.Offsets, "offsets");
        StartReplication();
        // On the journal's thread: a producer's request is judged, appended and answered there without a hand-off
        // between threads, each of which waits for a CPU to wake (docs/performance.md, "Twenty-eighth round").
        _produce = Context.ActorOf(ProduceActor.Props(_settings, _storeActor, _topics, _roleState, _replication)
            .WithDispatcher(_store.Settings.JournalDispatcher), "produce");
        StartDataChannel();
        _groups = Context.ActorOf(ConsumerGroupsActor.Props(_settings, _pulls), "groups");
        _resets = Context.ActorOf(OffsetResetActor.Props(_store, _settings.BrokerName, _offsets, _groups), "offset-resets");
        _locks = Context.ActorOf(QueueLockActor.Props(_settings.RebalanceLockMaxLiveTime), QueueLockActor.Name);
        _retry = Context.ActorOf(SendBackActor.Props(_store, _settings, _roleState, _produce, _topics, _settings.MessageDelayLevel.Count), "retry");
        if (_roleState.IsMaster) StartSchedule();
        _transactions = Context.ActorOf(TransactionServiceActor.Props(_store, _settings, _roleState, _storeActor, _topics, _offsets), "transactions");
        _admin = Context.ActorOf(MessageQueryActor.Props(_store, _settings, _roleState), MessageQueryActor.Name);
        if (_parts.Publisher is { } publisher) _publisher = Context.ActorOf(publisher, "publisher");
        if (_roleState.IsMaster) StartTimer();
        Timers.StartPeriodicTimer("store-health", CheckStoreHealth.Instance, HealthCheckInterval);
        _log.Info("Broker {0} #{1} of cluster {2} started on {3}", _settings.BrokerName, _settings.BrokerId, _settings.ClusterName, SelfAddress);
    }

    /// <summary>A store failure stops the broker rather than restarting actors around the same files.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    /// <summary>Binds the data channel on Akka.Remote's host name; without remoting there is no client to serve.</summary>
    private void StartDataChannel()
    {
        if (!_settings.DataChannelEnable)
        {
            _dataChannelRefusal = "rocket.broker.data-channel-enable is off";
            return;
        }
        if (((ExtendedActorSystem)Context.System).Provider is not Akka.Remote.RemoteActorRefProvider)
        {
            _dataChannelRefusal = "the broker's actor system is not remote";
            return;
        }
        var host = Context.System.Settings.Config.GetString("akka.remote.dot-netty.tcp.hostname") ?? "";
        var (listener, error) = DataChannelListenerActor.Listen(host, _settings.DataChannelPort);
        if (listener is null)
        {
            _dataChannelRefusal = $"the data channel could not start: {error} (rocket.broker.data-channel-port)";
            _log.Error("Broker {0}: {1}; clients send over Akka.Remote", _settings.BrokerName, _dataChannelRefusal);
            return;
        }
        _dataChannel = Context.ActorOf(DataChannelListenerActor.Props(listener, _produce, Self), "data-channel");
        Context.Watch(_dataChannel);
    }

    private void StartSchedule() =>
        _schedule = Context.ActorOf(ScheduleActor.Props(_store, _storeActor, _offsets, _settings.MessageDelayLevel), Term(ScheduleActor.Name));

    private void StartTimer() =>
        _timer = Context.ActorOf(TimerActor.Props(_store, _storeActor, _settings.Timer, _settings.BrokerName), Term("timer"));

    private int _masterTerms;

    /// <summary>The first start keeps the plain name; after a step-down and a promotion the stopped actor's name may still be taken.</summary>
    private string Term(string name) => _masterTerms++ < 2 ? name : $"{name}-{_masterTerms}";

    /// <summary>Replication needs the store's replica seam; a slave without it cannot copy anything and says so.</summary>
    private void StartReplication()
    {
        if ((object)_store is not IReplicaLog log)
        {
            if (!_roleState.IsMaster || _settings.BrokerRole == BrokerRole.SyncMaster)
                _log.Error("Broker {0} #{1} is {2} but its store has no replication support: nothing is replicated", _settings.BrokerName,
                    _settings.BrokerId, _settings.BrokerRole.Name());
            return;
        }
        var settings = _settings.Replication;
        var metadataCopy = _metadataCopy = Context.ActorOf(MetadataCopyActor.Props(_settings, _topics, _offsets, brokerActor: Self,
            timerDirectory: TimerActor.DirectoryOf(_store)), MetadataCopyActor.Name);
        _replication = Context.ActorOf(ReplicaSourceActor.Props(settings, _settings, log, _roleState,
            _store.Settings.MaxMessageSize + 64 * 1024 + 8), ReplicaSourceActor.Name);
        bool cluster = Context.System.Settings.ProviderClass.Contains("Cluster", StringComparison.Ordinal);
        var expiry = Rocket.Naming.NamingSettings.FromConfig(Context.System.Settings.Config).BrokerExpiry;
        var roleState = _roleState;
        var broker = _settings;
        _role = Context.ActorOf(BrokerRoleActor.Props(settings, _settings, log, _roleState, _storeActor, _replication,
            journal => ReplicaFollowerActor.Props(settings, broker, log, roleState, journal, expiry, subscribeToGossip: cluster,
                metadataCopy: metadataCopy)), BrokerRoleActor.Name);
    }

    /// <summary>A promotion starts the master-only actors, a step-down stops them; either way the record changes now.</summary>
    private void OnRoleChanged(RoleChanged changed)
    {
        bool master = changed.Role.IsMaster();
        if (master && _schedule.IsNobody()) StartSchedule();
        if (master && _timer.IsNobody()) StartTimer();
        if (!master)
        {
            if (!_schedule.IsNobody()) Context.Stop(_schedule);
            if (!_timer.IsNobody()) Context.Stop(_timer);
            _schedule = _timer = ActorRefs.Nobody;
        }
        if (master && _lastTopics is not null)
        {
            _schedule.Tell(_lastTopics);
            _timer.Tell(_lastTopics);
        }
        Publish();
    }

    private Address SelfAddress => ((ExtendedActorSystem)Context.System).Provider.DefaultAddress;

    private void Delete(string topic, bool orphan, IActorRef? requester)
    {
        if (_deletions.ContainsKey(topic))
        {
            requester?.Tell(new AdminResult(false, $"a delete of topic '{topic}' is already in progress on broker {_settings.BrokerName}"));
            return;
        }
        var parts = new TopicDeletionParts(_produce, _topics, _storeActor, _offsets, _pulls);
        // A slave writes no tombstone of its own: its log is the master's, whose tombstone reaches it by replication.
        var deletion = Context.ActorOf(TopicDeletionActor.Props(topic, orphan, requester, parts, _settings.BrokerName, replica: !_roleState.IsMaster),
            "delete-" + Uri.EscapeDataString(topic) + "-" + ++_deletionCount);
        Context.Watch(deletion);
        _deletions[topic] = deletion;
    }

    private long _deletionCount;

    /// <summary>
    /// Consume queues of a topic without config are what a delete cut short by a crash left (config deleted, no
    /// tombstone yet): finish that delete once, when the recovered topic table first arrives.
    /// </summary>
    private void DeleteOrphans(TopicTableChanged changed)
    {
        _orphansChecked = true;
        var orphans = _store.ConsumeQueues.All.Select(q => q.Topic).Distinct()
            .Where(t => !changed.Topics.ContainsKey(t) && !SystemTopics.IsInternal(t)).ToArray();
        if (orphans.Length > 0 && !_roleState.IsMaster)
        {
            // A slave's queues come from the master's log and its configs from the metadata copy, which may not have
            // arrived yet: deleting here would write a tombstone into a log that must stay the master's (and lose data).
            _log.Info("Broker {0} #{1} is a slave: topics with consume queues but no config yet ({2}) are left to the master's log and the metadata copy",
                _settings.BrokerName, _settings.BrokerId, string.Join(", ", orphans));
            return;
        }
        foreach (var topic in orphans)
        {
            _log.Warning("Topic {0} has consume queues but no config on broker {1} (a delete cut short): deleting its data", topic, _settings.BrokerName);
            Delete(topic, orphan: true, requester: null);
        }
    }

    private void OnTopicTableChanged(TopicTableChanged changed)
    {
        _produce.Tell(changed);
        _pulls.Tell(changed);
        _resets.Tell(changed);
        _timer.Tell(changed);
        _retry.Tell(changed);
        _schedule.Tell(changed);
        _transactions.Tell(changed);
        if (!_orphansChecked) DeleteOrphans(changed);
        _lastTopics = changed;
        Publish();
    }

    /// <summary>A store that starts or stops failing changes the published record at once (the name servers show it).</summary>
    private void OnCheckStoreHealth()
    {
        var problem = _store.Health.Problem;
        // Role and epoch changes publish at once; a slave's lag and the log's end (failover compares them) every 3 s at most.
        if (_roleState.Current != _publishedRole
            || ((_roleState.ReplicaLagBytes != _publishedLag || _store.CommitLog.MaxOffset != _publishedMaxOffset)
                && DateTime.UtcNow - _lastPublish >= TimeSpan.FromSeconds(3)))
        {
            Publish();
            return;
        }
        if (problem == _publishedProblem) return;
        if (problem is null) _log.Info("Broker {0}: the store works again; published as healthy", _settings.BrokerName);
        else _log.Warning("Broker {0}: the store fails ({1}); published as unhealthy", _settings.BrokerName, problem);
        Publish();
    }

    private void Publish()
    {
        if (_lastTopics is null) return; // nothing to publish before the topic table is recovered
        _publishedProblem = _store.Health.Problem;
        var role = _publishedRole = _roleState.Current;
        _publishedLag = role.Role.IsMaster() ? null : _roleState.ReplicaLagBytes;
        _lastPublish = DateTime.UtcNow;
        _publisher?.Tell(new PublishBrokerRecord(new BrokerRecord(
            _settings.ClusterName, _settings.BrokerName, _settings.BrokerId,
            Self.Path.ToStringWithAddress(SelfAddress), SelfAddress.ToString(),
            _settings.AutoCreateTopicEnable && role.Role.IsMaster(), _settings.DefaultTopicQueueNums,
            _lastTopics.Topics.Values.OrderBy(t => t.Name, StringComparer.Ordinal).ToArray(),
            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), _publishedProblem, role.Role, role.Epoch,
            MaxOffset: _publishedMaxOffset = _store.CommitLog.MaxOffset, ReplicaLagBytes: _publishedLag)));
    }

    /// <summary>Both metadata actors write their backup files now; answered once both files are written (or failed).</summary>
    private void OnFlushMetadataBackup(FlushMetadataBackup flush)
    {
        var timeout = TimeSpan.FromSeconds(5);
        var writes = new[] { _topics, _offsets }.Select(actor => actor.Ask<BackupWritten>(flush, timeout)).ToArray();
        Task.WhenAll(writes).ContinueWith(_ => new MetadataBackupFlushed(writes
            .Select(w => w.IsCompletedSuccessfully ? w.Result.Error : $"a metadata actor did not write its backup: {w.Exception?.GetBaseException().Message}")
            .OfType<string>().ToArray())).PipeTo(Sender);
    }

    private void OnQueryQueueOffsets(QueryQueueOffsets q)
    {
        long? at = q.Timestamp is { } ts ? _store.SearchOffsetByTime(q.Topic, q.QueueId, ts) : null;
        Sender.Tell(new QueueOffsets(q.Topic, q.QueueId, _store.GetMinOffset(q.Topic, q.QueueId), _store.GetMaxOffset(q.Topic, q.QueueId), at));
    }

    /// <summary>The members (groups actor) and committed offsets (offsets actor) of a group, gathered for one answer.</summary>
    private sealed record GroupDetailParts(string Group, IActorRef ReplyTo, bool ProgressOnly, GroupMembers? Members,
        GroupOffsets? Offsets, string? Error);

    /// <summary>Asks both actors, then builds the answer on the actor's thread (it reads the activity table and the topics).</summary>
    private void AskGroupDetail(string group, IActorRef replyTo, bool progressOnly)
    {
        var timeout = TimeSpan.FromSeconds(5);
        var members = _groups.Ask<GroupMembers>(new GetGroupMembers(group), timeout);
        var offsets = _resets.Ask<GroupOffsets>(new GetGroupOffsets(group), timeout);
        Task.WhenAll(members, offsets).ContinueWith(_ => members.IsCompletedSuccessfully && offsets.IsCompletedSuccessfully
            ? new GroupDetailParts(group, replyTo, progressOnly, members.Result, offsets.Result, null)
            : new GroupDetailParts(group, replyTo, progressOnly, null, null,
                (members.Exception ?? offsets.Exception)?.GetBaseException().Message ?? "no answer")).PipeTo(Self);
    }

    private void OnGroupDetailParts(GroupDetailParts parts)
    {
        if (parts.Error is not null)
        {
            parts.ReplyTo.Tell(new Status.Failure(new Exception($"broker {_settings.BrokerName} could not gather group '{parts.Group}': {parts.Error}")));
            return;
        }
        var detail = GroupDetailBuilder.Build(_settings.BrokerName, parts.Group, parts.Members!, parts.Offsets!.Offsets,
            _lastTopics?.Topics ?? new Dictionary<string, TopicConfig>(), _store, _activity);
        parts.ReplyTo.Tell(parts.ProgressOnly
            ? new GroupProgress(detail.BrokerName, detail.Group,
                detail.Queues.Select(q => new QueueProgress(q.Topic, q.QueueId, q.BrokerOffset, q.ConsumerOffset, q.MinOffset)).ToArray())
            : detail);
    }
}
