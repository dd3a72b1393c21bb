using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Switchboard.Upstreams.Resilience;

namespace Switchboard.Upstreams.Health;

/// <summary>
/// Probes each upstream on its <see cref="HealthCheckSettings.Interval"/> and keeps its <see cref="UpstreamHealth"/>.
/// A probe runs through the upstream's pipeline, so the breaker is the passive signal: while it is open a probe fails
/// at once, and once its break is over the probe is the trial call that closes it, with no client call needed.
/// </summary>
internal sealed partial class UpstreamHealthMonitor(ILogger<UpstreamHealthMonitor> logger)
{
    /// <summary>Probes <paramref name="server"/> until <paramref name="stoppingToken"/>; returns at once when its active checks are off.</summary>
    public async Task RunAsync(UpstreamServer server, TimeProvider timeProvider, CancellationToken stoppingToken)
    {
        var settings = server.Options.HealthCheck;
        if (settings.Interval == TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(settings.Interval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                string? problem = await ProbeAsync(server, stoppingToken);
                if (problem == UpstreamFailure.Busy)
                {
                    continue; // a full queue says the upstream is in demand, not that it is down
                }

                if (server.Health.Record(problem, settings, timeProvider.GetUtcNow()) is { } changed)
                {
                    if (changed == UpstreamHealthStatus.Unhealthy)
                    {
                        LogUnhealthy(logger, server.Name, settings.UnhealthyThreshold, problem ?? UpstreamFailure.Failed);
                    }
                    else
                    {
                        LogHealthy(logger, server.Name);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the host, or the server was unregistered.
        }
    }

    private static async Task<string?> ProbeAsync(UpstreamServer server, CancellationToken stoppingToken)
    {
        try
        {
            await server.ProbeAsync(stoppingToken);
            return null;
        }
        catch (Exception e) when (UpstreamFailure.IsClientVisible(e))
        {
            return UpstreamFailure.ReasonFor(e);
        }
    }

    [LoggerMessage(EventId = 4050, Level = LogLevel.Warning, Message = "Remote MCP server '{Server}' is unhealthy: {Failures} health probes in a row failed ({Reason}).")]
    private static partial void LogUnhealthy(ILogger logger, string server, int failures, string reason);

    [LoggerMessage(EventId = 4051, Level = LogLevel.Information, Message = "Remote MCP server '{Server}' is healthy: its health probes are answered.")]
    private static partial void LogHealthy(ILogger logger, string server);
}

/// <summary>The request a health probe sends: <c>ping</c>, or <c>server/discover</c> to a 2026-07-28 server, which has no <c>ping</c>.</summary>
internal static class UpstreamProbing
{
    private const string SessionlessRevision = "2026-07-28";

    public static async Task ProbeAsync(McpClient client, CancellationToken cancellationToken)
    {
        try
        {
            if (client.NegotiatedProtocolVersion == SessionlessRevision)
            {
                await client.SendRequestAsync(new JsonRpcRequest { Method = RequestMethods.ServerDiscover }, cancellationToken);
            }
            else
            {
                await client.PingAsync(cancellationToken: cancellationToken);
            }
        }
        catch (McpProtocolException)
        {
            // It answered, if with an error: alive.
        }
    }
}
