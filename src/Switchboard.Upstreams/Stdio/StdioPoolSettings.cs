namespace Switchboard.Upstreams.Stdio;

/// <summary>
/// How the processes of one stdio upstream are pooled (<c>Servers:{name}:Stdio</c>): every session and caller shares
/// at most <see cref="MaxProcesses"/> of them, so a thousand clients never make a thousand children.
/// </summary>
public sealed class StdioPoolSettings
{
    private static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Processes kept running even when idle (0 to <see cref="MaxProcesses"/>); a crashed one below this is started again.</summary>
    public int MinProcesses { get; set; } = 1;

    /// <summary>The most processes of this server at once, draining ones included (1 to 64).</summary>
    public int MaxProcesses { get; set; } = 2;

    /// <summary>How long a process above <see cref="MinProcesses"/> may stay unused before it is closed.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Age after which a process is drained and replaced (its calls finish first); zero: never.</summary>
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.Zero;

    /// <summary>Requests after which a process is drained and replaced; zero: never.</summary>
    public int MaxRequests { get; set; }

    /// <summary>The wait before the second start in a row that failed or crashed; it doubles with each further one.</summary>
    public TimeSpan RestartDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between starts while a process keeps crashing.</summary>
    public TimeSpan MaxRestartDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a closing process gets, after its stdin is closed, before it is killed.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Start each process through <c>switchboard stdio-guard</c>, which kills it when the gateway dies, even by
    /// SIGKILL (Linux, when the gateway runs as the <c>switchboard</c> executable).
    /// </summary>
    public bool ParentDeathGuard { get; set; } = true;

    /// <summary>
    /// Caller credentials by set name: a caller a set is for is served by processes started with that set's
    /// environment, pooled apart from every other set's (see <see cref="StdioCredentialPools"/>).
    /// </summary>
    public Dictionary<string, StdioCredentialSettings> Credentials { get; set; } = new(StringComparer.Ordinal);

    /// <summary>What is wrong with these settings, each message starting with <paramref name="key"/>.</summary>
    public IEnumerable<string> Problems(string key)
    {
        if (MaxProcesses is < 1 or > 64)
        {
            yield return $"{key}:MaxProcesses is {MaxProcesses}; set it between 1 and 64.";
        }

        if (MinProcesses < 0 || MinProcesses > MaxProcesses)
        {
            yield return $"{key}:MinProcesses is {MinProcesses}; set it between 0 and MaxProcesses ({MaxProcesses}).";
        }

        if (IdleTimeout < MinimumInterval)
        {
            yield return $"{key}:IdleTimeout is {IdleTimeout}; set it to {MinimumInterval} or more.";
        }

        if (MaxLifetime < TimeSpan.Zero || (MaxLifetime > TimeSpan.Zero && MaxLifetime < MinimumInterval))
        {
            yield return $"{key}:MaxLifetime is {MaxLifetime}; set it to zero (never) or {MinimumInterval} or more.";
        }

        if (MaxRequests < 0)
        {
            yield return $"{key}:MaxRequests is {MaxRequests}; set it to zero (never) or more.";
        }

        if (RestartDelay < MinimumInterval || MaxRestartDelay < RestartDelay)
        {
            yield return $"{key}:RestartDelay ({RestartDelay}) must be {MinimumInterval} or more, and MaxRestartDelay ({MaxRestartDelay}) at least as long.";
        }

        if (ShutdownTimeout < TimeSpan.Zero)
        {
            yield return $"{key}:ShutdownTimeout is {ShutdownTimeout}; set it to zero or more.";
        }

        foreach (string problem in StdioCredentialSettings.Problems($"{key}:Credentials", Credentials))
        {
            yield return problem;
        }
    }

    /// <summary>A shallow copy, to change a few settings for one use and keep every other one as configured.</summary>
    internal StdioPoolSettings Clone() => (StdioPoolSettings)MemberwiseClone();
}
