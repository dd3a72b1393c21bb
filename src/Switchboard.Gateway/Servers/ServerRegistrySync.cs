using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Switchboard.Registry;
using Switchboard.Storage;
using Switchboard.Storage.Caching;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;
using Switchboard.Upstreams;
using Switchboard.Upstreams.Resilience;

namespace Switchboard.Gateway.Servers;

/// <summary>
/// Keeps this replica's registry in step with the servers stored in the database: reads the registry version once a
/// second (at once when Redis announces a change) and, when it moved, mounts what was registered, unmounts what was
/// removed or disabled, and re-checks pinned tool definitions. A stored server that cannot be served (its name is
/// taken here, its settings are invalid) is left out with a reason; nothing stored ever stops the gateway or its
/// readiness, and while the database is away the servers mounted stay.
/// </summary>
internal sealed partial class ServerRegistrySync : BackgroundService
{
    /// <summary>How often the registry version is read.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly McpServerRegistry _registry;
    private readonly UpstreamServers _upstreams;
    private readonly IServerStore _store;
    private readonly RegistryVersion _version;
    private readonly UpstreamsOptions _configured;
    private readonly ILogger _logger;
    private readonly HashSet<string> _namesTaken;
    private readonly SemaphoreSlim _applying = new(1, 1);
    private readonly CredentialProtector _credentials;
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly Dictionary<string, StoredState> _stored = new(StringComparer.Ordinal);
    private long _appliedVersion = -1;

    public ServerRegistrySync(McpServerRegistry registry, UpstreamServers upstreams, IServerStore store, RegistryVersion version, IOptions<UpstreamsOptions> configured, CredentialProtector credentials, ILogger<ServerRegistrySync> logger)
    {
        (_registry, _upstreams, _store, _version, _configured, _credentials, _logger) = (registry, upstreams, store, version, configured.Value, credentials, logger);
        // What configuration and the build serve here; a stored server cannot take these names on this replica.
        _namesTaken = [.. registry.ServerNames, .. _configured.Servers.Keys];
        version.Announced += Wake;
    }

    /// <summary>The names served here from configuration or built in.</summary>
    public IReadOnlySet<string> NamesTaken => _namesTaken;

    /// <summary>Every server this replica knows: built-in, configured and stored, each with its state.</summary>
    public IReadOnlyList<ServerInfo> Describe()
    {
        var result = new List<ServerInfo>();
        foreach (string name in _namesTaken.Order(StringComparer.Ordinal))
        {
            if (_configured.Servers.TryGetValue(name, out var options))
            {
                result.Add(DescribeRemote(name, ServerSource.Configuration, options, null, null));
            }
            else if (_registry.TryGetServerView(name, out var view))
            {
                result.Add(ServerInfo.BuiltIn(name, view.Servers[0].Description, view.Tools.Count));
            }
        }

        lock (_stored)
        {
            foreach (var (name, state) in _stored.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                result.Add(state.Compose is { } compose
                    ? DescribeVirtual(state, compose)
                    : state.Options is { } options
                    ? DescribeRemote(name, ServerSource.Stored, options, state.Record, state.Problem)
                    : ServerInfo.Unreadable(state.Record, state.Problem!.Value.Reason));
            }
        }

        return result;
    }

    /// <summary>The stored servers left out on this replica, with why: for readiness details.</summary>
    public IReadOnlyDictionary<string, string> LeftOut()
    {
        lock (_stored)
        {
            return _stored.Where(s => s.Value.Problem is { State: not "disabled" }).ToDictionary(s => s.Key, s => $"{s.Value.Problem!.Value.State}: {s.Value.Problem!.Value.Reason}", StringComparer.Ordinal);
        }
    }

    /// <summary>Reads the stored registry and applies it now (after a change made through this replica).</summary>
    /// <exception cref="StorageException">The database did not answer.</exception>
    public async Task ApplyNowAsync(CancellationToken cancellationToken)
    {
        await _applying.WaitAsync(cancellationToken);
        try
        {
            long version = await _version.ReadAsync(cancellationToken);
            await ApplyAsync(await _store.ListAsync(cancellationToken), cancellationToken);
            await _upstreams.ReapplyPinsAsync(cancellationToken);
            _appliedVersion = version;
        }
        finally
        {
            _applying.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        bool failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await _version.ReadAsync(stoppingToken) != Volatile.Read(ref _appliedVersion))
                {
                    await ApplyNowAsync(stoppingToken);
                }

                if (failing)
                {
                    failing = false;
                    LogReadRestored(_logger);
                }
            }
            catch (Exception e) when (e is StorageException or System.Data.Common.DbException)
            {
                if (!failing)
                {
                    failing = true;
                    LogReadFailed(_logger, e.Message);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A fault in applying one registration must not end the loop, which would stop the host and with it
                // every server this replica serves: what was applied stays, and the next pass tries again.
                LogApplyFailed(_logger, e);
            }

            try
            {
                await _wake.WaitAsync(Interval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public override void Dispose()
    {
        // The semaphores are not disposed: that would strand a request still waiting in ApplyNowAsync, and make an
        // announcement racing this unsubscribe throw. They hold no handle (none asks for AvailableWaitHandle).
        _version.Announced -= Wake;
        base.Dispose();
    }

    private void Wake() => _wake.Release();

    private ServerInfo DescribeVirtual(StoredState state, IReadOnlyList<string> compose) =>
        state.Problem is { } problem
            ? ServerInfo.Virtual(state.Record, compose, problem.State, problem.Reason, 0)
            : ServerInfo.Virtual(state.Record, compose, "serving", null, _registry.TryGetServerView(state.Record.Name, out var view) ? view.Tools.Count : 0);

    private ServerInfo DescribeRemote(string name, ServerSource source, UpstreamOptions options, RegisteredServer? record, (string State, string Reason)? problem)
    {
        if (problem is { } p || !_upstreams.TryGet(name, out var upstream))
        {
            return ServerInfo.Remote(name, source, options, record, problem?.State ?? "not-connected", problem?.Reason ?? "connecting", 0, []);
        }

        var (state, reason) = (upstream.IsConnected, upstream.CircuitState) switch
        {
            (_, CircuitState.Open or CircuitState.Isolated) => ("circuit-open", $"recent calls failed ({upstream.LastFailure ?? "failed"}); calls are paused"),
            (false, _) => ("not-connected", upstream.LastFailure ?? "connecting"),
            _ => ("connected", (string?)null),
        };
        var quarantined = upstream.QuarantinedTools.Order(StringComparer.Ordinal).ToArray();
        return ServerInfo.Remote(name, source, options, record, state, reason, upstream.Catalog.Tools.Count - quarantined.Length, quarantined) with
        {
            Breaker = UpstreamStateNames.Of(upstream.CircuitState),
            Health = UpstreamStateNames.Of(upstream.Health.Status),
        };
    }

    private async Task ApplyAsync(IReadOnlyList<RegisteredServer> records, CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            seen.Add(record.Name);
            StoredState? current;
            lock (_stored)
            {
                _stored.TryGetValue(record.Name, out current);
            }

            if (current is not null && current.Record.Endpoint == record.Endpoint && current.Record.Transport == record.Transport
                && current.Record.Settings == record.Settings && current.Record.Enabled == record.Enabled)
            {
                Remember(current with { Record = record });
                continue;
            }

            // A remote server edited into another remote server is replaced while it serves (make before break);
            // anything else is unmounted first.
            bool replacing = current is { Mounted: true, Compose: null } && record.Transport != ServerTransports.Virtual;
            if (current?.Mounted == true && !replacing)
            {
                await UnmountAsync(record.Name);
            }

            Remember(await MountAsync(record, replacing, cancellationToken));
        }

        List<string> removed;
        lock (_stored)
        {
            removed = [.. _stored.Keys.Where(name => !seen.Contains(name))];
        }

        foreach (string name in removed)
        {
            bool mounted;
            lock (_stored)
            {
                mounted = _stored.Remove(name, out var state) && state.Mounted;
            }

            if (mounted)
            {
                await UnmountAsync(name);
            }

            LogRemoved(_logger, name);
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    // Mounts a stored registration; with replacing, a remote server of its name is mounted and is replaced by it, or
    // unmounted when the registration cannot be served.
    private async Task<StoredState> MountAsync(RegisteredServer record, bool replacing, CancellationToken cancellationToken)
    {
        if (record.Transport == ServerTransports.Virtual)
        {
            return MountVirtual(record);
        }

        var state = CheckRemote(record);
        if (state.Problem is not null || state.Options is not { } options)
        {
            if (replacing)
            {
                await UnmountAsync(record.Name);
            }

            return state;
        }

        if (replacing)
        {
            await _upstreams.ReplaceAsync(record.Name, options, replacement => _registry.Replace(replacement.Catalog), cancellationToken);
            LogReplaced(_logger, record.Name, record.Transport);
            return state with { Mounted = true };
        }

        var upstream = _upstreams.Add(record.Name, options);
        if (!_registry.TryMount(upstream.Catalog))
        {
            await _upstreams.RemoveAsync(record.Name);
            return Skipped(record, options, "name-collision", $"a server named '{record.Name}' is mounted already");
        }

        LogMounted(_logger, record.Name, record.Transport);
        return state with { Mounted = true };
    }

    // A remote server's stored registration, read and checked: with a problem when it cannot be served here.
    private StoredState CheckRemote(RegisteredServer record)
    {
        UpstreamOptions options;
        try
        {
            options = ServerRegistrations.OptionsOf(record, _credentials);
        }
        catch (JsonException e)
        {
            return Skipped(record, null, "invalid", $"its stored settings cannot be read: {e.Message}");
        }

        if (_namesTaken.Contains(record.Name))
        {
            return Skipped(record, options, "name-collision", $"the name '{record.Name}' is served on this replica by its configuration or a built-in server, which keep it; remove the stored registration or register it under another name");
        }

        if (!record.Enabled)
        {
            return new StoredState(record, options, ("disabled", "registered with enabled: false"), Mounted: false);
        }

        return UpstreamsOptionsValidator.Problems(record.Name, options) is [var problem, ..]
            ? Skipped(record, options, "invalid", problem)
            : new StoredState(record, options, null, Mounted: false);
    }

    // A virtual server: the composed tools of whatever is mounted, now and later (McpServerRegistry.TryMountVirtual).
    private StoredState MountVirtual(RegisteredServer record)
    {
        IReadOnlyList<string> compose;
        try
        {
            compose = VirtualServerRegistrations.Validate(record.Name, VirtualServerRegistrations.ComposeOf(record));
        }
        catch (Exception e) when (e is JsonException or ServerChangeException)
        {
            return Skipped(record, null, "invalid", $"its stored settings cannot be used: {e.Message}");
        }

        var state = new StoredState(record, null, null, Mounted: false, compose);
        if (_namesTaken.Contains(record.Name))
        {
            return Skipped(state, "name-collision", $"the name '{record.Name}' is served on this replica by its configuration or a built-in server, which keep it; remove the stored registration or register it under another name");
        }

        if (!record.Enabled)
        {
            return state with { Problem = ("disabled", "registered with enabled: false") };
        }

        if (!_registry.TryMountVirtual(record.Name, compose))
        {
            return Skipped(state, "name-collision", $"a server named '{record.Name}' is mounted already");
        }

        LogMounted(_logger, record.Name, record.Transport);
        return state with { Mounted = true };
    }

    private StoredState Skipped(StoredState state, string problem, string reason)
    {
        LogLeftOut(_logger, state.Record.Name, problem, reason);
        return state with { Problem = (problem, reason) };
    }

    private StoredState Skipped(RegisteredServer record, UpstreamOptions? options, string state, string reason)
    {
        LogLeftOut(_logger, record.Name, state, reason);
        return new StoredState(record, options, (state, reason), Mounted: false);
    }

    private async Task UnmountAsync(string name)
    {
        _registry.Unmount(name);
        await _upstreams.RemoveAsync(name);
    }

    private void Remember(StoredState state)
    {
        lock (_stored)
        {
            _stored[state.Record.Name] = state;
        }
    }

    /// <summary>What this replica made of one stored registration.</summary>
    /// <remarks><paramref name="Compose"/>: a virtual server's tools; null for a remote server.</remarks>
    private sealed record StoredState(RegisteredServer Record, UpstreamOptions? Options, (string State, string Reason)? Problem, bool Mounted, IReadOnlyList<string>? Compose = null);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Information, Message = "Mounted the registered server '{Server}' ({Transport}).")]
    private static partial void LogMounted(ILogger logger, string server, string transport);

    [LoggerMessage(EventId = 4015, Level = LogLevel.Information, Message = "Replaced the registered server '{Server}' ({Transport}) with its edited settings.")]
    private static partial void LogReplaced(ILogger logger, string server, string transport);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Warning, Message = "The registered server '{Server}' is not served on this replica ({State}): {Reason}.")]
    private static partial void LogLeftOut(ILogger logger, string server, string state, string reason);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Information, Message = "Unmounted the server '{Server}': its registration was removed.")]
    private static partial void LogRemoved(ILogger logger, string server);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Warning, Message = "Could not read the registered servers; the servers mounted stay until the database answers: {Reason}")]
    private static partial void LogReadFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 4016, Level = LogLevel.Error, Message = "Applying the registered servers failed; the servers mounted stay, and it is tried again.")]
    private static partial void LogApplyFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4014, Level = LogLevel.Information, Message = "The registered servers can be read again.")]
    private static partial void LogReadRestored(ILogger logger);
}
