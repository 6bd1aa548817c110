namespace Rocket.Client;

/// <summary>What an orderly handler (<see cref="PushConsumer.RegisterOrderlyHandler"/>) tells the consumer about a batch (RocketMQ's ConsumeOrderlyStatus).</summary>
public enum ConsumeOrderlyStatus
{
    /// <summary>Handled; the queue moves on to the next messages.</summary>
    Success,
    /// <summary>
    /// Not handled: the queue stops for <see cref="PushConsumerOptions.SuspendCurrentQueueTime"/>, then the same batch is
    /// delivered again, in place (nothing behind it overtakes it), with <see cref="ReceivedMessage.ReconsumeTimes"/> grown.
    /// A message already reconsumed <see cref="PushConsumerOptions.MaxReconsumeTimes"/> times goes to <c>%DLQ%&lt;group&gt;</c> instead.
    /// </summary>
    SuspendCurrentQueueAMoment,
}
