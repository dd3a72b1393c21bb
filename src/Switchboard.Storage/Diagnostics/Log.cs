using Microsoft.Extensions.Logging;

namespace Switchboard.Storage.Diagnostics;

/// <summary>Storage log messages; event ids 5000-5099.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Applied migration {Version} ({Name}) to the {Provider} database {Database} in {ElapsedMs} ms.")]
    public static partial void MigrationApplied(ILogger logger, int version, string name, StorageProvider provider, string database, long elapsedMs);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "The {Provider} database {Database} is at schema version {Version}, the latest this build knows.")]
    public static partial void SchemaCurrent(ILogger logger, StorageProvider provider, string database, int version);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "Switchboard's state is in the {Database}.")]
    public static partial void UsingDatabase(ILogger logger, string database);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Database schema version {Version} is ahead of this build's {BuildVersion} ({Database}): a newer release migrated it. Serving it within the compatibility window; finish the upgrade or the rollback (docs/storage.md).")]
    public static partial void SchemaAhead(ILogger logger, int version, int buildVersion, string database);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Warning, Message = "Lost the connection to Redis ({Endpoint}, {FailureType}); serving from local memory and reconnecting in the background.")]
    public static partial void RedisLost(ILogger logger, string endpoint, string failureType, Exception? exception);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Information, Message = "Redis ({Endpoint}) is back after {OutageSeconds:F1} s; shared cache and rate limits resume.")]
    public static partial void RedisRestored(ILogger logger, string endpoint, double outageSeconds);

    [LoggerMessage(EventId = 5012, Level = LogLevel.Warning, Message = "A Redis {Operation} failed; served from local state instead.")]
    public static partial void RedisOperationFailed(ILogger logger, string operation, Exception exception);

    [LoggerMessage(EventId = 5020, Level = LogLevel.Information, Message = "{Operation} finished: {Message}")]
    public static partial void MaintenanceFinished(ILogger logger, string operation, string message);

    [LoggerMessage(EventId = 5030, Level = LogLevel.Information, Message = "Pruned {Count} audit events older than {Cutoff:u}; the chain now starts after event {AnchorSeq}.")]
    public static partial void AuditPruned(ILogger logger, long count, long anchorSeq, DateTimeOffset cutoff);

    [LoggerMessage(EventId = 5031, Level = LogLevel.Error, Message = "Audit pruning stopped after {Count} events; it retries at the next interval.")]
    public static partial void AuditPruneFailed(ILogger logger, long count, Exception exception);

    [LoggerMessage(EventId = 5040, Level = LogLevel.Information, Message = "Identity data changed (version {Previous} -> {Current}); cached keys and roles are reloaded.")]
    public static partial void IdentityVersionChanged(ILogger logger, long previous, long current);

    [LoggerMessage(EventId = 5041, Level = LogLevel.Warning, Message = "Could not read the identity version; keys and roles stay as cached until the database answers: {Reason}")]
    public static partial void IdentityVersionReadFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 5042, Level = LogLevel.Information, Message = "The identity version can be read again.")]
    public static partial void IdentityVersionReadRestored(ILogger logger);

    [LoggerMessage(EventId = 5050, Level = LogLevel.Information, Message = "This replica now holds the cluster lease '{Lease}' and runs its work for the whole cluster.")]
    public static partial void LeaseTaken(ILogger logger, string lease);

    [LoggerMessage(EventId = 5051, Level = LogLevel.Warning, Message = "Lost the cluster lease '{Lease}' ({Reason}); another replica may take it over.")]
    public static partial void LeaseLost(ILogger logger, string lease, string reason);

    [LoggerMessage(EventId = 5052, Level = LogLevel.Warning, Message = "Could not try the cluster lease '{Lease}' ({Reason}); trying again at the next interval.")]
    public static partial void LeaseUnavailable(ILogger logger, string lease, string reason);

    [LoggerMessage(EventId = Hosting.ClusterLease.HeldElsewhereEvent, Level = LogLevel.Debug, Message = "The cluster lease '{Lease}' is held by another replica; its work runs there.")]
    public static partial void LeaseHeldElsewhere(ILogger logger, string lease);

    [LoggerMessage(EventId = 5060, Level = LogLevel.Warning, Message = "Stopped listening for queued jobs ({Reason}); workers poll until the listener reconnects.")]
    public static partial void JobListenerLost(ILogger logger, string reason);

    [LoggerMessage(EventId = 5061, Level = LogLevel.Warning, Message = "Could not sample the job queue for its metrics ({Reason}); the queue gauges report nothing until the database answers.")]
    public static partial void QueueSampleFailed(ILogger logger, string reason);
}
