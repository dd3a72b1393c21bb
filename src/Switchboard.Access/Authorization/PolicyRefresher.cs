using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Switchboard.Storage;

namespace Switchboard.Access.Authorization;

/// <summary>
/// Loads the stored roles before the gateway takes requests, then looks again every few seconds, so a role changed
/// on another replica is in force here soon after (at once from the hot cache when Redis carried the invalidation).
/// </summary>
internal sealed partial class PolicyRefresher(AccessPolicyProvider policies, ILogger<PolicyRefresher> logger, TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await TryRefreshAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await TryRefreshAsync(stoppingToken);
        }
    }

    private async Task TryRefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            await policies.RefreshAsync(cancellationToken);
        }
        catch (StorageException e)
        {
            // The policy in force stays; the next tick tries again.
            LogRefreshFailed(logger, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not reload the stored roles; the current policy stays in force: {Reason}")]
    private static partial void LogRefreshFailed(ILogger logger, string reason);
}
