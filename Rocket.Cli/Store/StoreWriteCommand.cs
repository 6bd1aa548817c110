using System.CommandLine;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Rocket.Protocol;
using Rocket.Store;
using Rocket.Store.Format;

namespace Rocket.Cli.Store;

/// <summary>
/// <c>rocket store write</c>: appends generated messages to a store directory through the journal actor and prints
/// one line per acknowledged message. Used for crash drills: kill it at any moment, reopen the store, and every
/// printed message must be there (with SYNC_FLUSH).
/// </summary>
public static class StoreWriteCommand
{
    public static Command Create()
    {
        var dir = new Option<string>("--dir") { Description = "Store directory", Required = true };
        var flush = new Option<string>("--flush") { Description = "async or sync (flush-disk-type)", DefaultValueFactory = _ => "sync" };
        flush.AcceptOnlyFromAmong("async", "sync");
        var count = new Option<long>("--count") { Description = "Messages to write; 0 = until stopped", DefaultValueFactory = _ => 0 };
        var writers = new Option<int>("--writers") { Description = "Concurrent writers", DefaultValueFactory = _ => 8 };
        var queues = new Option<int>("--queues") { Description = "Queues of the topic", DefaultValueFactory = _ => 4 };
        var segment = new Option<string>("--segment-size") { Description = "Commit-log segment size", DefaultValueFactory = _ => "1m" };
        var command = new Command("write", "Append generated messages and print 'ack <seq> <queue> <queue-offset> <physical-offset>' per acknowledged one")
        {
            dir, flush, count, writers, queues, segment,
        };
        command.SetAction(parse => Run(parse.GetValue(dir)!, parse.GetValue(flush) == "sync", parse.GetValue(count),
            Math.Max(1, parse.GetValue(writers)), Math.Max(1, parse.GetValue(queues)), parse.GetValue(segment)!));
        return command;
    }

    /// <summary>The body written for sequence number <paramref name="seq"/>: checkable after a crash.</summary>
    public static string BodyOf(long seq) => $"message-{seq:D10}-" + new string((char)('a' + seq % 26), (int)(seq % 200));

    private static int Run(string directory, bool sync, long count, int writers, int queues, string segmentSize)
    {
        var config = ConfigurationFactory.ParseString($$"""
            rocket.store {
              dir = "{{Path.GetFullPath(directory).Replace("\\", "/")}}"
              flush-disk-type = {{(sync ? "SYNC_FLUSH" : "ASYNC_FLUSH")}}
              mapped-file-size-commit-log = {{segmentSize}}
              max-message-size = 64k
              mapped-file-size-consume-queue = 20k
              max-hash-slot-num = 4096
              max-index-num = 16384
            }
            akka.loglevel = WARNING
            """).WithFallback(Rocket.Settings.RocketConfig.Reference);
        var store = MessageStore.Open(StoreSettings.FromConfig(config));
        using var system = ActorSystem.Create("rocket-store-write", config);
        var storeActor = system.ActorOf(StoreActor.Props(store), "store");
        var output = new StreamWriter(Console.OpenStandardOutput(), Encoding.ASCII) { AutoFlush = true };
        output.WriteLine("ready");

        long next = -1;
        async Task Writer()
        {
            long seq;
            while ((seq = Interlocked.Increment(ref next)) < count || count == 0)
            {
                int queue = (int)(seq % queues);
                var message = new MessageToStore("CrashTopic", queue, Encoding.ASCII.GetBytes(BodyOf(seq)),
                    MessageProperties.Encode([new(MessageProperties.Keys, $"seq-{seq}")]));
                var reply = await storeActor.Ask<BatchAppended>(new AppendBatch(seq, [message]), TimeSpan.FromSeconds(30));
                var r = reply.Results[0];
                if (!r.IsOk) throw new InvalidOperationException($"write {seq} failed: {r.Status} {r.Error}");
                lock (output) output.WriteLine($"ack {seq} {queue} {r.QueueOffset} {r.PhysicalOffset}");
            }
        }
        Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(Writer))).GetAwaiter().GetResult();
        system.Stop(storeActor);
        system.Terminate().Wait(TimeSpan.FromSeconds(30));
        output.WriteLine("done");
        return 0;
    }
}
