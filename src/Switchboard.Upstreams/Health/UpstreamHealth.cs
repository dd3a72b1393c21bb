using Switchboard.Upstreams.Resilience;

namespace Switchboard.Upstreams.Health;

/// <summary>What the active checks of one upstream say.</summary>
public enum UpstreamHealthStatus
{
    /// <summary>Not checked enough yet, or active checks are off.</summary>
    Unknown,

    /// <summary><see cref="HealthCheckSettings.HealthyThreshold"/> probes in a row answered.</summary>
    Healthy,

    /// <summary><see cref="HealthCheckSettings.UnhealthyThreshold"/> probes in a row failed.</summary>
    Unhealthy,
}

/// <summary>
/// The active health of one upstream: its status changes only after a threshold of probes in a row agree, so one
/// lost probe does not flap it.
/// </summary>
public sealed class UpstreamHealth
{
    private readonly Lock _lock = new();
    private int _successesInARow;
    private int _failuresInARow;

    /// <summary>The status the probes settled on.</summary>
    public UpstreamHealthStatus Status { get; private set; }

    /// <summary>Why the last probe failed (<c>unreachable</c>, <c>timeout</c>, <c>circuit-open</c>, …), or null when it answered.</summary>
    public string? LastProblem { get; private set; }

    /// <summary>When the last probe ended, or null before the first.</summary>
    public DateTimeOffset? LastChecked { get; private set; }

    /// <summary>Records one probe's outcome; returns the new status when this probe changed it, otherwise null.</summary>
    internal UpstreamHealthStatus? Record(string? problem, HealthCheckSettings settings, DateTimeOffset at)
    {
        lock (_lock)
        {
            LastProblem = problem;
            LastChecked = at;
            (_successesInARow, _failuresInARow) = problem is null ? (_successesInARow + 1, 0) : (0, _failuresInARow + 1);
            var next = Status switch
            {
                not UpstreamHealthStatus.Healthy when _successesInARow >= settings.HealthyThreshold => UpstreamHealthStatus.Healthy,
                not UpstreamHealthStatus.Unhealthy when _failuresInARow >= settings.UnhealthyThreshold => UpstreamHealthStatus.Unhealthy,
                _ => Status,
            };
            if (next == Status)
            {
                return null;
            }

            Status = next;
            return next;
        }
    }
}
