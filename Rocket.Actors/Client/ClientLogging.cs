using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Hosting.Logging;
using Microsoft.Extensions.Logging;

namespace Rocket.Client;

/// <summary>
/// Where the client logs: the application's <see cref="ILoggerFactory"/> when it gives one, else stderr; stdout belongs to
/// the application. Akka's own log events of the client's actor system go to the same factory.
/// </summary>
internal static class ClientLogging
{
    /// <summary>The factory to use and, when the client made it, the one it must dispose.</summary>
    public static (ILoggerFactory Factory, ILoggerFactory? Owned) Choose(ILoggerFactory? application)
    {
        if (application is not null) return (application, null);
        var stderr = LoggerFactory.Create(builder => builder
            .SetMinimumLevel(LogLevel.Warning)
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            })
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)); // every level to stderr
        return (stderr, stderr);
    }

    public static ActorSystemSetup Setup(Config config, ILoggerFactory factory) =>
        Akka.Actor.BootstrapSetup.Create().WithConfig(config).And(new LoggerFactorySetup(factory)); // akka.loggers: client.conf
}
