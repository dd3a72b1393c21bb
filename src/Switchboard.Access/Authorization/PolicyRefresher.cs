using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Switchboard.Storage;
using Switchboard.Storage.Caching;

namespace Switchboard.Access.Authorization;

/// <summary>
/// Loads the stored roles before the gateway takes requests, then again as soon as the <see cref="IdentityVersion"/>
/// moves (a role changed here, on another replica or with the CLI: within about a second), and every few seconds as a
/// retry after a reload that failed.
/// </summary>
internal sealed partial class PolicyRefresher(AccessPolicyProvider policies, IdentityVersion identity, ILogger<PolicyRefresher> logger, TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(5);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await TryRefreshAsync(cancellationToken);
        identity.Changed += OnIdentityChanged;
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        identity.Changed -= OnIdentityChanged;
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RetryInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await TryRefreshAsync(stoppingToken);
        }
    }

    private void OnIdentityChanged() => _ = TryRefreshAsync(CancellationToken.None);

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

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Could not reload the stored roles; the current policy stays in force: {Reason}")]
    private static partial void LogRefreshFailed(ILogger logger, string reason);
}
