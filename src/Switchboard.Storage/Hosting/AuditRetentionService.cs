using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Switchboard.Storage.Audit;
using Switchboard.Storage.Diagnostics;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;

namespace Switchboard.Storage.Hosting;

/// <summary>
/// Prunes audit events older than <see cref="AuditOptions.RetentionDays"/>: once at start, then every
/// <see cref="AuditOptions.PruneInterval"/>, in batches of <see cref="AuditOptions.PruneBatchSize"/>, each its own
/// short transaction under the audit lock. Every replica runs this service, but only the holder of the cluster lease
/// <see cref="LeaseName"/> prunes; another replica takes over at its next interval when the holder stops or dies.
/// Does nothing when retention is 0. A failure (database down, a broken chain) is logged and retried next time.
/// </summary>
public sealed class AuditRetentionService(
    IAuditStore audit,
    ClusterLeases leases,
    IOptions<AuditOptions> options,
    TimeProvider time,
    ILogger<AuditRetentionService> logger)
    : BackgroundService
{
    /// <summary>The actor the pruning is attributed to in the audit trail.</summary>
    public const string Actor = "system:retention";

    /// <summary>The cluster lease that picks the one replica that prunes.</summary>
    public const string LeaseName = "audit-retention";

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.RetentionDays == 0)
        {
            return;
        }

        await using var lease = leases.Create(LeaseName);
        using var timer = new PeriodicTimer(settings.PruneInterval, time);
        do
        {
            if (await lease.TryHoldAsync(stoppingToken))
            {
                await PruneAsync(settings, stoppingToken);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task PruneAsync(AuditOptions settings, CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow().AddDays(-settings.RetentionDays);
        long pruned = 0;
        try
        {
            AuditPruneResult batch;
            do
            {
                batch = await audit.PruneAsync(cutoff, settings.PruneBatchSize, Actor, cancellationToken);
                pruned += batch.Pruned;
            }
            while (batch.More);

            if (pruned > 0)
            {
                Log.AuditPruned(logger, pruned, batch.Anchor!.Seq, cutoff);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.AuditPruneFailed(logger, pruned, ex);
        }
    }
}
