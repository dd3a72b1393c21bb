using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Switchboard.Upstreams.Health;
using Switchboard.Upstreams.Pinning;

namespace Switchboard.Upstreams;

/// <summary>
/// Every remote server of this process, by name: those in configuration from the start, and those registered at run
/// time (<see cref="Add"/>, <see cref="RemoveAsync"/>). Each is kept connected in the background once
/// <see cref="StartConnecting"/> has run.
/// </summary>
public sealed class UpstreamServers : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _servers = new(StringComparer.Ordinal);
    private readonly IToolDefinitionPins _pins;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _timeProvider;
    private readonly UpstreamHealthMonitor _health;
    // Servers replaced by ReplaceAsync that still answer calls they took, and the end of that wait.
    private readonly List<Task> _retiring = [];
    private readonly CancellationTokenSource _closing = new();
    private CancellationToken? _stopping;
    private bool _disposed;

    /// <summary>How long a replacement (<see cref="ReplaceAsync"/>) may take to connect while the server it replaces serves.</summary>
    public static readonly TimeSpan ReplacementConnectWait = TimeSpan.FromSeconds(10);

    /// <summary>Creates one <see cref="UpstreamServer"/> per configured remote server; nothing is connected yet.</summary>
    public UpstreamServers(IOptions<UpstreamsOptions> options, IToolDefinitionPins pins, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        (_pins, _loggerFactory, _timeProvider) = (pins, loggerFactory, timeProvider);
        _health = new UpstreamHealthMonitor(loggerFactory.CreateLogger<UpstreamHealthMonitor>());
        foreach (var (name, upstream) in options.Value.Servers)
        {
            _servers[name] = new Entry(new UpstreamServer(name, upstream, pins, loggerFactory, timeProvider));
        }
    }

    /// <summary>The remote servers, configured ones first, then in the order they were added.</summary>
    public IEnumerable<UpstreamServer> All
    {
        get
        {
            lock (_lock)
            {
                return [.. _servers.Values.Select(e => e.Server)];
            }
        }
    }

    /// <summary>The remote server named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No remote server has that name.</exception>
    public UpstreamServer this[string name]
    {
        get
        {
            lock (_lock)
            {
                return _servers[name].Server;
            }
        }
    }

    /// <summary>Finds the remote server named <paramref name="name"/>.</summary>
    public bool TryGet(string name, [NotNullWhen(true)] out UpstreamServer? server)
    {
        lock (_lock)
        {
            server = _servers.TryGetValue(name, out var entry) ? entry.Server : null;
            return server is not null;
        }
    }

    /// <summary>Adds a remote server registered at run time and, once connecting has started, connects it in the background.</summary>
    /// <exception cref="ArgumentException">A remote server of that name exists.</exception>
    public UpstreamServer Add(string name, UpstreamOptions options)
    {
        var entry = new Entry(new UpstreamServer(name, options, _pins, _loggerFactory, _timeProvider));
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_servers.TryAdd(name, entry))
            {
                throw new ArgumentException($"A remote server named '{name}' exists already.", nameof(name));
            }

            if (_stopping is { } stopping)
            {
                entry.Start(_timeProvider, _health, stopping);
            }
        }

        return entry.Server;
    }

    /// <summary>
    /// Replaces the remote server <paramref name="name"/> with one built from <paramref name="options"/>, making
    /// before breaking: the replacement connects and lists its tools (for at most <see cref="ReplacementConnectWait"/>)
    /// while the current one goes on serving; then <paramref name="takeOver"/> shows the replacement, it takes the
    /// name, and the current one is closed in the background once the calls it took are answered. A replacement that
    /// could not connect in time takes over all the same and keeps trying, as an added server does.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No remote server has that name.</exception>
    public async Task<UpstreamServer> ReplaceAsync(string name, UpstreamOptions options, Action<UpstreamServer> takeOver, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(takeOver);
        var replacement = new Entry(new UpstreamServer(name, options, _pins, _loggerFactory, _timeProvider));
        CancellationToken? stopping;
        lock (_lock)
        {
            stopping = _stopping;
        }

        try
        {
            if (stopping is { } hostStopping)
            {
                using var connecting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, hostStopping);
                connecting.CancelAfter(ReplacementConnectWait);
                try
                {
                    await replacement.Server.TryConnectAsync(connecting.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !hostStopping.IsCancellationRequested)
                {
                    // Not connected in time: it takes over and keeps trying.
                }
            }

            lock (_lock)
            {
                if (!_servers.ContainsKey(name))
                {
                    throw new KeyNotFoundException($"No remote server named '{name}' is there to be replaced.");
                }
            }

            takeOver(replacement.Server);
        }
        catch
        {
            await replacement.DisposeAsync();
            throw;
        }

        Entry? current = null;
        bool replaced;
        lock (_lock)
        {
            replaced = !_disposed && _servers.TryGetValue(name, out current);
            if (replaced)
            {
                _servers[name] = replacement;
                if (_stopping is { } hostStopping)
                {
                    replacement.Start(_timeProvider, _health, hostStopping);
                }

                _retiring.RemoveAll(task => task.IsCompleted);
                _retiring.Add(Task.Run(() => RetireAsync(current!), CancellationToken.None));
            }
        }

        if (!replaced)
        {
            // Removed, or all closed, while the replacement connected: nothing is left for it to serve.
            await replacement.DisposeAsync();
            throw new KeyNotFoundException($"No remote server named '{name}' is there to be replaced.");
        }

        return replacement.Server;
    }

    // Closes a replaced server once the calls it took are answered, or at once when this collection is disposed.
    private async Task RetireAsync(Entry entry)
    {
        try
        {
            await entry.Server.DrainAsync(_timeProvider, _closing.Token);
        }
        catch (OperationCanceledException)
        {
            // Disposing: close it now.
        }

        await entry.DisposeAsync();
    }

    /// <summary>Stops and disposes the remote server <paramref name="name"/>: its connection (or process) is closed.</summary>
    public async Task<bool> RemoveAsync(string name)
    {
        Entry? entry;
        lock (_lock)
        {
            if (!_servers.Remove(name, out entry))
            {
                return false;
            }
        }

        await entry.DisposeAsync();
        return true;
    }

    /// <summary>Re-checks the pinned tool definitions of every remote server, after an approval anywhere.</summary>
    public async Task ReapplyPinsAsync(CancellationToken cancellationToken)
    {
        foreach (var server in All)
        {
            await server.ReapplyPinsAsync(cancellationToken);
        }
    }

    /// <summary>Connects every remote server now and whenever it is not connected, until <paramref name="stoppingToken"/>.</summary>
    public void StartConnecting(CancellationToken stoppingToken)
    {
        lock (_lock)
        {
            _stopping = stoppingToken;
            foreach (var entry in _servers.Values)
            {
                entry.Start(_timeProvider, _health, stoppingToken);
            }
        }
    }

    /// <summary>
    /// Closes the upstream sessions opened for the downstream session <paramref name="sessionId"/> (it was deleted or
    /// expired), so that no upstream keeps a session nobody can use.
    /// </summary>
    public async Task CloseSessionsOfAsync(string sessionId)
    {
        foreach (var server in All)
        {
            if (server.Sessions is { } sessions)
            {
                await sessions.CloseAsync(sessionId);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync();
        Entry[] entries;
        Task[] retiring;
        lock (_lock)
        {
            // Nothing is added or retired from here on, so these are all there will be.
            _disposed = true;
            entries = [.. _servers.Values];
            _servers.Clear();
            retiring = [.. _retiring];
        }

        // Side by side, and each whatever became of the others: one slow to close delays no other.
        await Task.WhenAll([.. entries.Select(entry => entry.DisposeAsync().AsTask()), .. retiring]);
        _closing.Dispose();
    }

    /// <summary>A server and the loops that keep it connected and check its health, which end with it.</summary>
    private sealed class Entry(UpstreamServer server) : IAsyncDisposable
    {
        private readonly CancellationTokenSource _removed = new();
        private Task _connecting = Task.CompletedTask;

        public UpstreamServer Server { get; } = server;

        public void Start(TimeProvider timeProvider, UpstreamHealthMonitor health, CancellationToken stopping)
        {
            var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, _removed.Token);
            _connecting = Task.Run(async () =>
            {
                using (linked)
                {
                    await Task.WhenAll(Server.KeepConnectedAsync(timeProvider, linked.Token), health.RunAsync(Server, timeProvider, linked.Token));
                }
            }, CancellationToken.None);
        }

        public async ValueTask DisposeAsync()
        {
            await _removed.CancelAsync();
            // Cancelled mid-connect, the loops may end with what that attempt threw: the server is closed all the same.
            await _connecting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _removed.Dispose();
            await Server.DisposeAsync();
        }
    }
}
