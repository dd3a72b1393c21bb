using System.Runtime.InteropServices;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Switchboard.Gateway.Hosting;

/// <summary>
/// How a replica leaves a load balancer's rotation when it is asked to stop. Section <c>Shutdown</c>; see
/// docs/deploy.md for the matching Kubernetes <c>terminationGracePeriodSeconds</c>.
/// </summary>
public sealed class ShutdownOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Shutdown";

    /// <summary>
    /// After SIGTERM, how long the replica keeps serving with <c>/healthz/ready</c> failing before it stops accepting
    /// connections: the time load balancers and Kubernetes endpoints need to see it go and stop sending it requests.
    /// Not waited on Ctrl+C (SIGINT), where nothing routes by readiness.
    /// </summary>
    public TimeSpan NotReadyDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Once it stops accepting, how long in-flight requests and response streams may take to finish; whatever is
    /// still running then is cut off. Streams that wait for server notifications (GET) end at once.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>The longest a stop can take: the host's shutdown timeout.</summary>
    public TimeSpan Total => NotReadyDelay + DrainTimeout;
}

/// <summary>Checks <see cref="ShutdownOptions"/> at start, with messages that say what to change.</summary>
internal sealed class ShutdownOptionsValidator : IValidateOptions<ShutdownOptions>
{
    private static readonly TimeSpan MaxNotReadyDelay = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MaxDrainTimeout = TimeSpan.FromHours(1);

    public ValidateOptionsResult Validate(string? name, ShutdownOptions options)
    {
        var failures = new List<string>();
        if (options.NotReadyDelay < TimeSpan.Zero || options.NotReadyDelay > MaxNotReadyDelay)
        {
            failures.Add($"Shutdown:NotReadyDelay is {options.NotReadyDelay:c}; set it between 00:00:00 and {MaxNotReadyDelay:c} (5 s suits most load balancers).");
        }

        if (options.DrainTimeout <= TimeSpan.Zero || options.DrainTimeout > MaxDrainTimeout)
        {
            failures.Add($"Shutdown:DrainTimeout is {options.DrainTimeout:c}; set it above 00:00:00 and at most {MaxDrainTimeout:c}, longer than your slowest tool call.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>
/// Takes a replica out of rotation before it stops: the moment the host begins to stop, <c>/healthz/ready</c> fails
/// (the <c>shutdown</c> check); on SIGTERM the replica then keeps serving for <see cref="ShutdownOptions.NotReadyDelay"/>
/// so that load balancers notice, before Kestrel stops accepting and drains in-flight requests for up to
/// <see cref="ShutdownOptions.DrainTimeout"/> (the host's shutdown timeout covers both). The process then exits 0.
/// </summary>
internal sealed partial class GracefulShutdown(
    IHostApplicationLifetime lifetime,
    IOptions<ShutdownOptions> options,
    TimeProvider time,
    ILogger<GracefulShutdown> logger)
    : IHostedLifecycleService, IHealthCheck, IDisposable
{
    private PosixSignalRegistration? _sigterm;
    private CancellationTokenRegistration _stopping;
    private volatile bool _terminated;
    private volatile bool _draining;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Only notes the signal: the console lifetime also handles it and starts the stop.
            _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => _terminated = true);
        }
        catch (PlatformNotSupportedException)
        {
            // No SIGTERM here: stops skip the not-ready delay.
        }

        // The earliest moment: SIGTERM signals ApplicationStopping before any hosted service hears of the stop.
        _stopping = lifetime.ApplicationStopping.Register(() => _draining = true);
        return Task.CompletedTask;
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        var settings = options.Value;
        if (!_terminated || settings.NotReadyDelay == TimeSpan.Zero)
        {
            LogDraining(logger, settings.DrainTimeout.TotalSeconds);
            return;
        }

        LogNotReady(logger, settings.NotReadyDelay.TotalSeconds, settings.DrainTimeout.TotalSeconds);
        try
        {
            await Task.Delay(settings.NotReadyDelay, time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout ran out first: go on stopping.
        }

        LogDraining(logger, settings.DrainTimeout.TotalSeconds);
    }

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        LogStopped(logger);
        return Task.CompletedTask;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_draining
            ? HealthCheckResult.Unhealthy("Shutting down: finishing in-flight requests; send new ones to another replica.")
            : HealthCheckResult.Healthy("Serving."));

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        _sigterm?.Dispose();
        _stopping.Dispose();
    }

    [LoggerMessage(EventId = 1150, Level = LogLevel.Information, Message = "SIGTERM: readiness now fails; serving {DelaySeconds:0.#} s more so load balancers stop sending requests (Shutdown:NotReadyDelay), then draining in-flight requests for up to {DrainSeconds:0.#} s.")]
    private static partial void LogNotReady(ILogger logger, double delaySeconds, double drainSeconds);

    [LoggerMessage(EventId = 1151, Level = LogLevel.Information, Message = "Stopping: no new connections; in-flight requests have up to {DrainSeconds:0.#} s to finish (Shutdown:DrainTimeout).")]
    private static partial void LogDraining(ILogger logger, double drainSeconds);

    [LoggerMessage(EventId = 1152, Level = LogLevel.Information, Message = "Stopped.")]
    private static partial void LogStopped(ILogger logger);
}
