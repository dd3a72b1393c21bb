using Microsoft.Extensions.Logging;

namespace Switchboard.Workflows.Diagnostics;

/// <summary>Worker and task log messages; event ids 6000-6099.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Worker {Worker} started: up to {Concurrency} jobs at once, lease {Lease}.")]
    public static partial void WorkerStarted(ILogger logger, string worker, int concurrency, TimeSpan lease);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Worker {Worker} stopping: {Finished} running jobs finished, {Returned} returned to the queue.")]
    public static partial void WorkerStopped(ILogger logger, string worker, int finished, int returned);

    [LoggerMessage(EventId = 6011, Level = LogLevel.Warning, Message = "Worker {Worker} stopped with {Count} jobs still running past the shutdown timeout; their leases lapse and another worker takes them over.")]
    public static partial void JobsLeftRunning(ILogger logger, string worker, int count);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "Job {JobId} ({Kind}) attempt {Attempt} failed and goes to {State}: {Reason}")]
    public static partial void JobRetry(ILogger logger, string jobId, string kind, int attempt, string state, string reason);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Lost the lease on job {JobId}: another worker took it over, and this attempt's outcome is discarded.")]
    public static partial void LeaseLost(ILogger logger, string jobId);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Warning, Message = "The queue is unreachable ({Reason}); the worker tries again in {Delay}.")]
    public static partial void QueueUnavailable(ILogger logger, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Information, Message = "Took back {Count} jobs whose worker stopped renewing its lease.")]
    public static partial void LeasesRecovered(ILogger logger, int count);

    [LoggerMessage(EventId = 6007, Level = LogLevel.Error, Message = "Job {JobId} ({Kind}) failed unexpectedly; it is retried.")]
    public static partial void JobCrashed(ILogger logger, string jobId, string kind, Exception exception);

    [LoggerMessage(EventId = 6008, Level = LogLevel.Warning, Message = "No handler for job {JobId} of kind '{Kind}'; it is dead-lettered.")]
    public static partial void NoHandler(ILogger logger, string jobId, string kind);

    [LoggerMessage(EventId = 6009, Level = LogLevel.Warning, Message = "Job {JobId} ({Kind}) was dead-lettered after {Attempts} attempts: {LastError}")]
    public static partial void JobDeadLettered(ILogger logger, string jobId, string kind, int attempts, string lastError);

    [LoggerMessage(EventId = 6010, Level = LogLevel.Error, Message = "The handler of job {JobId} ({Kind}) failed on hearing that it was dead-lettered; the job stays dead-lettered.")]
    public static partial void DeadLetterHandlerFailed(ILogger logger, string jobId, string kind, Exception exception);
}
