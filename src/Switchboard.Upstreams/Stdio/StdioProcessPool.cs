using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using Switchboard.Text;
using Switchboard.Upstreams.Diagnostics;

using Switchboard.Upstreams.Sessions;

namespace Switchboard.Upstreams.Stdio;

/// <summary>
/// The processes of one stdio upstream, shared by every session and caller: at most
/// <see cref="StdioPoolSettings.MaxProcesses"/> at once (draining and starting ones included, one start at a time),
/// each request sent to the least busy one. Idle processes above the minimum are closed, old or much-used ones drained
/// and replaced, and a crashed one started again with exponential backoff while it keeps crashing.
/// </summary>
/// <remarks>
/// Clients in the field have wedged at hundreds of stdio children because every session spawned its own; an MCP
/// server over stdio answers concurrent JSON-RPC requests on one pipe, so a few processes serve any number of callers.
/// </remarks>
internal sealed partial class StdioProcessPool : IUpstreamClientSource, IAsyncDisposable
{
    private static readonly TimeSpan MaintenanceInterval = TimeSpan.FromSeconds(1);
    // A process that ran this long before it crashed was not part of a crash loop: the next start is immediate again.
    private static readonly TimeSpan StableRun = TimeSpan.FromSeconds(30);

    // Enough for the SDK's stderr tail; longer text is cut in our log.
    private const int MaxLoggedStandardError = 4096;

    private readonly UpstreamOptions _options;
    private readonly StdioPoolSettings _settings;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Func<McpClient, CancellationToken, Task> _prepare;
    private readonly Lock _lock = new();
    private readonly List<PooledProcess> _processes = [];
    private readonly CancellationTokenSource _disposing = new();
    private readonly ITimer _maintenance;
    private TaskCompletionSource _changed = NewSignal();
    private Task<PooledProcess>? _starting;
    private bool _wanted;
    private bool _healthy;
    private int _failuresInARow;
    private DateTimeOffset _nextStart;
    private string? _protocolVersion;
    private long _restarts;

    /// <summary>A pool for <paramref name="server"/>; nothing starts until a request or <see cref="EnsureStartedAsync"/>.</summary>
    /// <remarks><paramref name="prepare"/> runs on each new process's client before it serves requests (lists its tools).</remarks>
    public StdioProcessPool(string server, UpstreamOptions options, Func<McpClient, CancellationToken, Task> prepare, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        Server = server;
        _options = options;
        _settings = options.Stdio;
        _prepare = prepare;
        // The SDK client logs the process's stderr tail in its errors: through this, Env values never reach the log.
        _loggerFactory = new RedactingLoggerFactory(loggerFactory, Redact);
        _logger = loggerFactory.CreateLogger<StdioProcessPool>();
        _time = timeProvider;
        _maintenance = timeProvider.CreateTimer(_ => Maintain(), null, MaintenanceInterval, MaintenanceInterval);
        StdioPoolDiagnostics.Track(this);
    }

    /// <summary>The server's registry name.</summary>
    public string Server { get; }

    /// <summary>Processes now: serving, draining and starting.</summary>
    public int ProcessCount
    {
        get
        {
            lock (_lock)
            {
                return _processes.Count + (_starting is null ? 0 : 1);
            }
        }
    }

    /// <summary>Processes that crashed or failed to start since the pool was made.</summary>
    public long Restarts => Interlocked.Read(ref _restarts);

    /// <summary>Whether the last start worked and no process crashed since (all may have been closed for idleness).</summary>
    public bool IsAvailable => Volatile.Read(ref _healthy);

    /// <summary>The protocol revision the last started process agreed.</summary>
    public string? ProtocolVersion => Volatile.Read(ref _protocolVersion);

    /// <summary>Starts a process unless one serves; from then on <see cref="StdioPoolSettings.MinProcesses"/> are kept.</summary>
    public async Task EnsureStartedAsync(CancellationToken cancellationToken)
    {
        Task wait;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposing.IsCancellationRequested, this);
            _wanted = true;
            if (LeastBusyLocked() is not null)
            {
                return;
            }

            wait = StartOrWaitLocked();
        }

        await wait.WaitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<McpClient> AcquireAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposing.IsCancellationRequested, this);
                _wanted = true;
                if (LeastBusyLocked() is { } process)
                {
                    // Every process is busy and there is room: start one for the load, without this call waiting for it.
                    if (process.InFlight > 0 && CanStartLocked())
                    {
                        StartInBackgroundLocked();
                    }

                    process.InFlight++;
                    return process.Client;
                }

                wait = StartOrWaitLocked();
            }

            // A start that fails throws here, to every caller waiting for it.
            await wait.WaitAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// A failed or timed-out request drains its process: calls in flight on it finish (or time out), new ones go to
    /// another, and it is closed after the last. A process stuck on one request (many servers answer one at a time)
    /// would otherwise take every later request with it until each timed out.
    /// </remarks>
    public async ValueTask ReleaseAsync(McpClient client, UpstreamRequestEnd end)
    {
        PooledProcess? close = null;
        lock (_lock)
        {
            var process = _processes.Find(p => p.Client == client);
            if (process is null)
            {
                return; // it exited meanwhile
            }

            process.InFlight--;
            process.Served++;
            process.LastUsed = _time.GetUtcNow();
            if (end == UpstreamRequestEnd.Failed)
            {
                process.Retire("a request failed");
            }
            else if (end == UpstreamRequestEnd.TimedOut)
            {
                process.Retire("a request timed out");
            }
            else if (_settings.MaxRequests > 0 && process.Served >= _settings.MaxRequests)
            {
                process.Retire("recycled after MaxRequests");
            }

            close = TakeIfDrainedLocked(process);
        }

        if (close is not null)
        {
            await CloseAsync(close);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        List<PooledProcess> processes;
        Task<PooledProcess>? starting;
        lock (_lock)
        {
            if (_disposing.IsCancellationRequested)
            {
                return;
            }

            _disposing.Cancel();
            processes = [.. _processes];
            starting = _starting;
            processes.ForEach(p => p.Retire("the server was stopped"));
        }

        StdioPoolDiagnostics.Untrack(this);
        await _maintenance.DisposeAsync();
        if (starting is not null)
        {
            // Cancelled by _disposing; one that got through closes its own client.
            await starting.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        await Task.WhenAll(processes.Select(p => p.Client.DisposeAsync().AsTask()));
        _disposing.Dispose();
    }

    private PooledProcess? LeastBusyLocked()
    {
        PooledProcess? best = null;
        foreach (var process in _processes)
        {
            if (!process.Retiring && !process.Client.Completion.IsCompleted && (best is null || process.InFlight < best.InFlight))
            {
                best = process;
            }
        }

        return best;
    }

    private bool CanStartLocked() =>
        !_disposing.IsCancellationRequested
        && _starting is null
        && _processes.Count < _settings.MaxProcesses
        && _time.GetUtcNow() >= _nextStart;

    // What a caller with no serving process waits for: the start under way, a new one, or a draining process's exit.
    private Task StartOrWaitLocked()
    {
        if (_starting is { } starting)
        {
            return starting;
        }

        if (CanStartLocked())
        {
            return StartLocked();
        }

        if (_processes.Count >= _settings.MaxProcesses)
        {
            return _changed.Task; // every slot holds a process that drains
        }

        double seconds = Math.Ceiling((_nextStart - _time.GetUtcNow()).TotalSeconds);
        throw new IOException($"The process of '{Server}' keeps failing; it is started again in {seconds} s.");
    }

    private Task<PooledProcess> StartLocked()
    {
        // Task.Run: the start takes the lock when it ends, after this caller has released it and recorded the task.
        var starting = Task.Run(StartProcessAsync);
        _starting = starting;
        return starting;
    }

    private void StartInBackgroundLocked() =>
        // Its failure is logged and counted where it happens; nobody waits for it here.
        StartLocked().ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private async Task<PooledProcess> StartProcessAsync()
    {
        McpClient? client = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_disposing.Token);
            timeout.CancelAfter(_options.Timeout);
            var transport = new InputRequiredPassThroughTransport(StdioUpstreamTransport.Create(Server, _options, OnStandardError));
            // ProtocolVersion is for HTTP upstreams only: a process speaks the newest revision both sides know.
            client = await McpClient.CreateAsync(transport, _options.ClientOptions(protocolVersion: null), _loggerFactory, timeout.Token);
            await _prepare(client, timeout.Token);
            var process = new PooledProcess(client, _time.GetUtcNow());
            int count;
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposing.IsCancellationRequested, this);
                _processes.Add(process);
                _starting = null;
                _healthy = true;
                _protocolVersion = client.NegotiatedProtocolVersion;
                count = _processes.Count;
                SignalLocked();
            }

            _ = WatchAsync(process);
            LogStarted(_logger, Server, client.NegotiatedProtocolVersion, count, _settings.MaxProcesses);
            return process;
        }
        catch (Exception e)
        {
            if (client is not null)
            {
                await client.DisposeAsync();
            }

            TimeSpan delay;
            lock (_lock)
            {
                _starting = null;
                SignalLocked();
                if (_disposing.IsCancellationRequested)
                {
                    throw;
                }

                delay = RecordFailureLocked(TimeSpan.Zero);
            }

            Interlocked.Increment(ref _restarts);
            StdioPoolDiagnostics.Restarted(Server, "start_failed");
            // The SDK's message for a process that exits at once carries its last stderr lines.
            LogStartFailed(_logger, Server, e.GetType().Name, Printable(e.Message), delay.TotalSeconds);
            throw;
        }
    }

    private async Task WatchAsync(PooledProcess process)
    {
        var completion = await process.Client.Completion;
        bool crashed;
        TimeSpan delay = TimeSpan.Zero;
        lock (_lock)
        {
            _processes.Remove(process);
            crashed = !process.Retiring;
            if (crashed)
            {
                delay = RecordFailureLocked(_time.GetUtcNow() - process.Started);
            }

            SignalLocked();
        }

        if (!crashed)
        {
            return;
        }

        Interlocked.Increment(ref _restarts);
        StdioPoolDiagnostics.Restarted(Server, "crashed");
        var stdio = completion as StdioClientCompletionDetails;
        string tail = stdio?.StandardErrorTail is { Count: > 0 } lines ? Printable(string.Join(" | ", lines)) : "(none)";
        LogCrashed(_logger, Server, stdio?.ExitCode, delay.TotalSeconds, tail);
        await process.Client.DisposeAsync();
        Maintain();
    }

    // Closes idle processes above the minimum and old ones, and starts processes up to the minimum.
    private void Maintain()
    {
        List<PooledProcess> close = [];
        lock (_lock)
        {
            if (_disposing.IsCancellationRequested)
            {
                return;
            }

            var now = _time.GetUtcNow();
            int serving = _processes.Count(p => !p.Retiring);
            foreach (var process in _processes.Where(p => !p.Retiring).ToList())
            {
                if (_settings.MaxLifetime > TimeSpan.Zero && now - process.Started >= _settings.MaxLifetime)
                {
                    process.Retire("recycled after MaxLifetime");
                }
                else if (serving > _settings.MinProcesses && process.InFlight == 0 && now - process.LastUsed >= _settings.IdleTimeout)
                {
                    process.Retire("idle");
                }
                else
                {
                    continue;
                }

                serving--;
                if (TakeIfDrainedLocked(process) is { } drained)
                {
                    close.Add(drained);
                }
            }

            if (_wanted && serving + (_starting is null ? 0 : 1) < _settings.MinProcesses && CanStartLocked())
            {
                StartInBackgroundLocked();
            }
        }

        foreach (var process in close)
        {
            _ = CloseAsync(process);
        }
    }

    private static PooledProcess? TakeIfDrainedLocked(PooledProcess process)
    {
        if (!process.Retiring || process.InFlight > 0 || process.Closing)
        {
            return null;
        }

        process.Closing = true;
        return process;
    }

    // Closes stdin, waits ShutdownTimeout, then kills the tree (the SDK's dispose); WatchAsync then removes it.
    private async Task CloseAsync(PooledProcess process)
    {
        LogClosing(_logger, Server, process.RetiredBecause!);
        await process.Client.DisposeAsync();
    }

    private TimeSpan RecordFailureLocked(TimeSpan lived)
    {
        if (lived >= StableRun)
        {
            _failuresInARow = 0;
        }

        _failuresInARow++;
        _healthy = false;
        // The first failure is started again at once; a crash loop waits RestartDelay, then twice as long each time.
        var delay = _failuresInARow == 1
            ? TimeSpan.Zero
            : TimeSpan.FromTicks((long)Math.Min(_settings.MaxRestartDelay.Ticks, _settings.RestartDelay.Ticks * Math.Pow(2, Math.Min(_failuresInARow - 2, 30))));
        _nextStart = _time.GetUtcNow() + delay;
        return delay;
    }

    private void SignalLocked()
    {
        _changed.TrySetResult();
        _changed = NewSignal();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void OnStandardError(string line)
    {
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            LogStandardError(_logger, Server, Printable(line));
        }
    }

    // The upstream's stderr may echo its configuration; the values of its Env (its credentials) never reach our logs.
    private string Redact(string text)
    {
        foreach (string value in _options.Env.Values)
        {
            if (value.Length >= 4)
            {
                text = text.Replace(value, "***", StringComparison.Ordinal);
            }
        }

        return text;
    }

    // The process's own text, as we log it: its credentials redacted, and one line whatever it printed.
    private string Printable(string text) => PrintableText.Escape(Redact(text), MaxLoggedStandardError)!;

    [LoggerMessage(EventId = 4040, Level = LogLevel.Information, Message = "Remote MCP server '{Server}': started a process (protocol {ProtocolVersion}; {Processes} of at most {MaxProcesses}).")]
    private static partial void LogStarted(ILogger logger, string server, string? protocolVersion, int processes, int maxProcesses);

    [LoggerMessage(EventId = 4041, Level = LogLevel.Warning, Message = "Remote MCP server '{Server}': a process exited unexpectedly (exit code {ExitCode}); it is started again in {Delay} s. Its last stderr lines: {StandardErrorTail}")]
    private static partial void LogCrashed(ILogger logger, string server, int? exitCode, double delay, string standardErrorTail);

    [LoggerMessage(EventId = 4042, Level = LogLevel.Warning, Message = "Remote MCP server '{Server}': a process could not be started ({ExceptionType}: {Error}); next try in {Delay} s.")]
    private static partial void LogStartFailed(ILogger logger, string server, string exceptionType, string error, double delay);

    [LoggerMessage(EventId = 4043, Level = LogLevel.Debug, Message = "Remote MCP server '{Server}': closing a process ({Reason}).")]
    private static partial void LogClosing(ILogger logger, string server, string reason);

    [LoggerMessage(EventId = 4044, Level = LogLevel.Debug, Message = "Remote MCP server '{Server}' stderr: {Line}")]
    private static partial void LogStandardError(ILogger logger, string server, string line);

    private sealed class PooledProcess(McpClient client, DateTimeOffset started)
    {
        public McpClient Client { get; } = client;

        public DateTimeOffset Started { get; } = started;

        public DateTimeOffset LastUsed { get; set; } = started;

        public int InFlight { get; set; }

        public long Served { get; set; }

        /// <summary>Why it no longer takes new requests; null while it does.</summary>
        public string? RetiredBecause { get; private set; }

        public bool Retiring => RetiredBecause is not null;

        public bool Closing { get; set; }

        public void Retire(string reason) => RetiredBecause ??= reason;
    }
}
