using Microsoft.Extensions.Logging;
using Rocket.Client;
using Rocket.Tests.Support;
using Xunit;

namespace Rocket.Tests.Client;

public sealed class ClientLoggingTests
{
    [Fact]
    public async Task The_client_and_its_actor_system_log_to_the_application_logger_factory()
    {
        var logs = new CapturingLoggerFactory();
        await using (var client = RocketClient.Create(new ClientSettings
                     {
                         Seeds = ["127.0.0.1:1"], SendTimeout = TimeSpan.FromMilliseconds(500), ConsumerStartTimeout = TimeSpan.FromSeconds(1),
                         LoggerFactory = logs,
                     }))
        {
            var consumer = client.CreatePushConsumer(new PushConsumerOptions("GroupLog")).Subscribe("TopicL").RegisterHandler(_ => ConsumeResult.Success);
            await Assert.ThrowsAsync<RocketClientException>(consumer.StartAsync);

            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            // Rocket's own warning, and Akka.Remote's event about the unreachable seed: both reach the application's factory.
            while (!(HasRocketWarning(logs) && HasAkkaRemoteEvent(logs)) && DateTime.UtcNow < deadline) await Task.Delay(50);
        }
        Assert.True(HasRocketWarning(logs), string.Join("\n", logs.Entries.Select(e => $"{e.Level} {e.Category}: {e.Message}")));
        Assert.True(HasAkkaRemoteEvent(logs), string.Join("\n", logs.Entries.Select(e => $"{e.Level} {e.Category}: {e.Message}")));
    }

    private static bool HasRocketWarning(CapturingLoggerFactory logs) =>
        logs.Entries.Any(e => e.Level == LogLevel.Warning && e.Message.Contains("rebalance of group GroupLog failed"));

    private static bool HasAkkaRemoteEvent(CapturingLoggerFactory logs) =>
        logs.Entries.Any(e => e.Level >= LogLevel.Warning && e.Message.Contains("127.0.0.1:1") && !e.Message.Contains("GroupLog"));
}
