using System.Reflection;
using Rocket.Client;
using Rocket.Client.Consuming;
using Rocket.Client.Producing;
using Rocket.DataChannel;
using Rocket.Protocol;
using Rocket.Serialization;
using Xunit;

namespace Rocket.Tests.Architecture;

/// <summary>
/// The methods every send, pull and delivery runs are compiled fully optimised at their first call
/// (<c>AggressiveOptimization</c>) rather than tiered: under tiering an application ran a publish burst on ReadyToRun
/// and then instrumented code, and the tier-1 code arrived after the burst (docs/performance.md, "Twenty-second
/// round"). A method taken off this list, or renamed, fails here rather than only in the peers harness.
/// </summary>
public class HotPathCompilationTests
{
    public static TheoryData<Type, string> HotMethods() => new()
    {
        { typeof(Producer), nameof(Producer.SendAsync) },
        { typeof(Producer), "FirstChoice" },
        { typeof(Producer), "PickQueue" },
        { typeof(Producer), "AttemptDeadline" },
        { typeof(Producer), "ToWire" },
        { typeof(Producer), nameof(Producer.Rejection) },
        { typeof(Producer), nameof(Producer.ToSendResult) },
        { typeof(BrokerSender), nameof(BrokerSender.Send) },
        { typeof(DirectChannel), nameof(DirectChannel.TryPost) },
        { typeof(DirectChannel), nameof(DirectChannel.TryPostPull) },
        { typeof(DirectChannel), nameof(DirectChannel.TryAnswer) },
        { typeof(FirstAttemptSend), nameof(FirstAttemptSend.Answer) },
        { typeof(MessageIdGenerator), nameof(MessageIdGenerator.Next) },
        { typeof(MessageValidator), nameof(MessageValidator.Validate) },
        { typeof(MessageValidator), nameof(MessageValidator.ValidateTopic) },
        { typeof(MessageValidator), nameof(MessageValidator.EncodeProperties) },
        { typeof(PropertiesEncoder), nameof(PropertiesEncoder.Encode) },
        { typeof(TimerValidator), nameof(TimerValidator.Validate) },
        { typeof(TimerValidator), nameof(TimerValidator.DeliverMs) },
        { typeof(ResourceNames), "Check" },
        { typeof(DataConnection), "Fill" },
        { typeof(DataConnection), "HandOnFrames" },
        { typeof(DataFrames), nameof(DataFrames.SizeOf) },
        { typeof(DataFrames), nameof(DataFrames.Write) },
        { typeof(DataFrames), nameof(DataFrames.Read) },
        { typeof(ProduceRequestCodec), nameof(ProduceRequestCodec.Write) },
        { typeof(ProduceRequestCodec), nameof(ProduceRequestCodec.Read) },
        { typeof(ProduceResponseCodec), nameof(ProduceResponseCodec.Write) },
        { typeof(ProduceResponseCodec), nameof(ProduceResponseCodec.Read) },
        { typeof(PullRequestCodec), nameof(PullRequestCodec.Write) },
        { typeof(PullRequestCodec), nameof(PullRequestCodec.Read) },
        { typeof(PullResponseCodec), nameof(PullResponseCodec.Read) },
        { typeof(ChannelPulls), nameof(ChannelPulls.Add) },
        { typeof(ChannelPulls), nameof(ChannelPulls.Answer) },
        { typeof(QueuePullerActor), "Pull" },
        { typeof(QueuePullerActor), "OnPulled" },
        { typeof(QueuePullerActor), "HandOn" },
        { typeof(QueuePullerActor), "Deliver" },
        { typeof(QueuePullerActor), "OnHandled" },
        { typeof(QueuePullerActor), "OnHandlersReturned" },
        { typeof(HandlerCall<ConsumeResult>), nameof(HandlerCall<ConsumeResult>.Run) },
        { typeof(HandlerDispatcher), "System.Threading.IThreadPoolWorkItem.Execute" },
    };

    [Theory]
    [MemberData(nameof(HotMethods))]
    public void A_hot_path_method_is_compiled_optimised_at_its_first_call(Type type, string name)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var methods = type.GetMethods(all).Where(m => m.Name == name).ToList();
        Assert.True(methods.Count > 0, $"{type.Name}.{name} does not exist");
        var unmarked = methods.Where(m => !m.MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveOptimization)).ToList();
        // An overload (e.g. a batch send) may stay tiered; at least one method of the name is the hot one.
        Assert.True(unmarked.Count < methods.Count, $"{type.Name}.{name} is not marked AggressiveOptimization");
    }

    [Fact]
    public void The_constructors_a_send_and_a_delivery_run_are_compiled_optimised_too()
    {
        Assert.Contains(typeof(FirstAttemptSend).GetConstructors(), c => c.MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveOptimization));
        Assert.Contains(typeof(PendingSendBase<SendResult>).GetConstructors(BindingFlags.NonPublic | BindingFlags.Instance),
            c => c.MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveOptimization));
        Assert.Contains(typeof(ReceivedMessage).GetConstructors(BindingFlags.NonPublic | BindingFlags.Instance),
            c => c.MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveOptimization));
    }
}
