using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Gateway.Diagnostics;
using Switchboard.Registry;

namespace Switchboard.Gateway.Hosting;

/// <summary>
/// Long-lived SDK servers for requests the SDK serves statelessly (sessionless 2026-07-28, and 2025-11-25 without a
/// session when the gateway keeps none), a few per view and protocol revision, each over its own stateless
/// <see cref="StreamableHttpServerTransport"/>. For such a request the SDK's handler builds the options, every handler
/// and filter pipeline and a transport, then disposes them, on every POST (issue 18's profile: most of the SDK's share
/// of a call). A server here is built once, exactly as that handler builds one
/// (<see cref="GatewayServiceCollectionExtensions.ConfigureViewOptions"/>), and serves one POST at a time, so JSON-RPC
/// ids of different callers never meet inside one server. Each message runs under its POST's execution context
/// (<see cref="StreamableHttpServerTransport.FlowExecutionContextFromRequests"/>), and its services are that POST's
/// (<see cref="CurrentRequestServices"/>), as with a server made for the request. The SDK fixes a server's protocol
/// version at its first request, so each revision has servers of its own: a server only ever sees one.
/// </summary>
internal sealed partial class SessionlessServerPool : IAsyncDisposable
{
    // Per view and revision, enough idle servers for every call in flight at the concurrency the gateway is sized
    // for (10,000 connections: a 100 ms collection at 10,000 calls/s releases ~1,000 calls at once); a server is a few
    // tens of kilobytes, and those no call needed for a minute go (TrimInterval). A burst beyond it builds servers
    // that are disposed when returned. At 64, over 10,000 connections at 9,000 calls/s, most calls built one, and the
    // CPU that cost fed the overload the burst came from (issue 18, session 14: it collapsed where 1,024 holds).
    internal static readonly int MaxIdlePerPool = Math.Max(1024, 256 * Environment.ProcessorCount);

    // How often the servers that no call needed since the last look are let go, so a burst's servers do not stay.
    internal static readonly TimeSpan TrimInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<PoolKey, IdleServers<PooledServer>> _pools = new();
    private readonly IOptionsFactory<McpServerOptions> _optionsFactory;
    private readonly IServiceProvider _services;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<SessionlessServerPool> _logger;
    private readonly CurrentRequestServices _requestServices;
    private readonly Timer _trimTimer;
    private volatile bool _disposed;

    public SessionlessServerPool(
        IOptionsFactory<McpServerOptions> optionsFactory,
        IServiceProvider services,
        IHttpContextAccessor httpContextAccessor,
        ILoggerFactory loggerFactory,
        ILogger<SessionlessServerPool> logger)
    {
        (_optionsFactory, _services, _loggerFactory, _logger) = (optionsFactory, services, loggerFactory, logger);
        _requestServices = new CurrentRequestServices(httpContextAccessor, services);
        // Not under the execution context of whatever request resolved the pool.
        using (ExecutionContext.SuppressFlow())
        {
            _trimTimer = new Timer(static state => ((SessionlessServerPool)state!).TrimUnused(), this, TrimInterval, TrimInterval);
        }
    }

    /// <summary>A server of <paramref name="view"/> for one POST of protocol <paramref name="revision"/>: an idle one, or a new one.</summary>
    public PooledServer Rent(McpServerView view, string revision)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var key = new PoolKey(view, revision);
        return ServersOf(key).TryTake(out var server) ? server : Create(key);
    }

    /// <summary>
    /// Takes back a server. Only one whose POST ended normally is <paramref name="reusable"/>: after a failure or a
    /// disconnect its request may still be running, and disposing the server cancels it, as the SDK's per-request
    /// server is disposed with its POST.
    /// </summary>
    public ValueTask ReturnAsync(PooledServer server, bool reusable)
    {
        if (reusable && !_disposed && !server.Key.View.Retired.IsCancellationRequested && _pools.TryGetValue(server.Key, out var servers) && servers.TryKeep(server))
        {
            return ValueTask.CompletedTask;
        }

        return server.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        await _trimTimer.DisposeAsync();
        foreach (var key in _pools.Keys)
        {
            if (_pools.TryRemove(key, out var servers))
            {
                await DisposeAllAsync(servers.Close());
            }
        }
    }

    private IdleServers<PooledServer> ServersOf(PoolKey key)
    {
        if (_pools.TryGetValue(key, out var servers))
        {
            return servers;
        }

        servers = _pools.GetOrAdd(key, static _ => new IdleServers<PooledServer>(MaxIdlePerPool));
        // Registered after the add: a view retired in between is let go at once (Register runs the callback then).
        key.View.Retired.UnsafeRegister(static (state, _token) =>
        {
            var (pool, retired) = ((SessionlessServerPool, PoolKey))state!;
            if (pool._pools.TryRemove(retired, out var idle))
            {
                // Off the thread retiring the view: it holds the registry's lock.
                _ = Task.Run(() => pool.DisposeAllAsync(idle.Close()), CancellationToken.None);
            }
        }, (this, key));
        return servers;
    }

    private PooledServer Create(PoolKey key)
    {
        var options = _optionsFactory.Create(Options.DefaultName);
        options.ScopeRequests = false; // as the SDK's handler for a stateless request: the POST's scope serves it
        GatewayServiceCollectionExtensions.ConfigureViewOptions(options, key.View, _services);
        var transport = new StreamableHttpServerTransport(_loggerFactory) { Stateless = true, FlowExecutionContextFromRequests = true };
        var server = McpServer.Create(transport, options, _loggerFactory, _requestServices);
        GatewayDiagnostics.PooledServersCreated.Add(1, new KeyValuePair<string, object?>("mcp_server", key.View.Name));
        return new PooledServer(key, server, transport, options);
    }

    private void TrimUnused()
    {
        foreach (var servers in _pools.Values)
        {
            if (servers.TakeUnused() is { Count: > 0 } unused)
            {
                _ = DisposeAllAsync(unused);
            }
        }
    }

    private async Task DisposeAllAsync(IEnumerable<PooledServer> servers)
    {
        foreach (var server in servers)
        {
            try
            {
                await server.DisposeAsync();
            }
            catch (Exception e)
            {
                LogDisposeFailed(_logger, server.Key.View.Name, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A pooled MCP server of '{View}' failed to stop.")]
    private static partial void LogDisposeFailed(ILogger logger, string view, Exception exception);
}

/// <summary>Which servers of <see cref="SessionlessServerPool"/> may serve a request: those of its view and protocol revision.</summary>
internal readonly record struct PoolKey(McpServerView View, string Revision);

/// <summary>
/// The idle items of one pool, at most <paramref name="capacity"/>. It remembers the fewest that were idle at any
/// moment since the last <see cref="TakeUnused"/>: that many were not needed by any call in between, and go.
/// </summary>
internal sealed class IdleServers<T>(int capacity)
    where T : class, IAsyncDisposable
{
    private readonly ConcurrentQueue<T> _idle = new();
    private int _idleCount;
    private int _fewestIdleSinceTrim;
    private volatile bool _closed;

    public bool TryTake([MaybeNullWhen(false)] out T item)
    {
        if (!_idle.TryDequeue(out item))
        {
            return false;
        }

        int left = Interlocked.Decrement(ref _idleCount);
        int fewest;
        while (left < (fewest = Volatile.Read(ref _fewestIdleSinceTrim)) && Interlocked.CompareExchange(ref _fewestIdleSinceTrim, left, fewest) != fewest)
        {
        }

        return true;
    }

    public bool TryKeep(T item)
    {
        if (_closed || Interlocked.Increment(ref _idleCount) > capacity)
        {
            Interlocked.Decrement(ref _idleCount);
            return false;
        }

        _idle.Enqueue(item);
        // Closed meanwhile: whoever closed it may have drained the queue already, so make sure it is empty.
        if (_closed)
        {
            _ = Task.Run(async () =>
            {
                foreach (var left in Close())
                {
                    await left.DisposeAsync();
                }
            });
        }

        return true;
    }

    /// <summary>The items no caller needed since the last call (none the first time), for the caller to dispose.</summary>
    public List<T> TakeUnused()
    {
        int unused = Math.Min(Volatile.Read(ref _fewestIdleSinceTrim), Volatile.Read(ref _idleCount));
        var taken = new List<T>();
        while (taken.Count < unused && _idle.TryDequeue(out var item))
        {
            Interlocked.Decrement(ref _idleCount);
            taken.Add(item);
        }

        Volatile.Write(ref _fewestIdleSinceTrim, Volatile.Read(ref _idleCount));
        return taken;
    }

    /// <summary>Keeps nothing from now on; the items idle now, for the caller to dispose.</summary>
    public List<T> Close()
    {
        _closed = true;
        var drained = new List<T>();
        while (TryTake(out var item))
        {
            drained.Add(item);
        }

        return drained;
    }
}

/// <summary>One server of <see cref="SessionlessServerPool"/>, running from its creation until disposed.</summary>
internal sealed class PooledServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;
    private int _disposed;

    public PooledServer(PoolKey key, McpServer server, StreamableHttpServerTransport transport, McpServerOptions options)
    {
        (Key, Server, Transport, Options) = (key, server, transport, options);
        // The server's own tools/call filters around the matched tool, composed once, as the SDK composes them
        // (McpServerImpl.ConfigureTools): what a direct call runs (Http/DirectToolCall).
        McpRequestHandler<CallToolRequestParams, CallToolResult> call = static (context, cancellationToken) => ((McpServerTool)context.MatchedPrimitive!).InvokeAsync(context, cancellationToken);
        var filters = options.Filters.Request.CallToolFilters;
        for (int i = filters.Count - 1; i >= 0; i--)
        {
            call = filters[i](call);
        }

        CallTool = call;
        // Not under the execution context of the POST that happened to create it: every message brings its own.
        using (ExecutionContext.SuppressFlow())
        {
            _run = Task.Run(() => server.RunAsync(_stop.Token));
        }
    }

    public PoolKey Key { get; }

    public McpServer Server { get; }

    public StreamableHttpServerTransport Transport { get; }

    /// <summary>The options the server was built with.</summary>
    public McpServerOptions Options { get; }

    /// <summary>A matched tool's call through the server's tools/call filters.</summary>
    public McpRequestHandler<CallToolRequestParams, CallToolResult> CallTool { get; }

    /// <summary>Stops the server as the SDK ends a sessionless request's: the transport, then the run (cancelling
    /// whatever request still runs), then the server.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await Transport.DisposeAsync();
            await _stop.CancelAsync();
            await _run;
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            await Server.DisposeAsync();
            _stop.Dispose();
        }
    }
}

/// <summary>
/// The services of the POST whose message a pooled server is handling, as the SDK gives a sessionless request its
/// <see cref="HttpContext.RequestServices"/>. A pooled server outlives every request, so it looks them up per call.
/// </summary>
internal sealed class CurrentRequestServices(IHttpContextAccessor accessor, IServiceProvider root)
    : IServiceProvider, IKeyedServiceProvider, IServiceProviderIsService, IServiceProviderIsKeyedService
{
    private IServiceProvider Current => accessor.HttpContext?.RequestServices ?? root;

    public object? GetService(Type serviceType) => Current.GetService(serviceType);

    public object? GetKeyedService(Type serviceType, object? serviceKey) => Current.GetKeyedService(serviceType, serviceKey);

    public object GetRequiredKeyedService(Type serviceType, object? serviceKey) => Current.GetRequiredKeyedService(serviceType, serviceKey);

    public bool IsService(Type serviceType) => Current.GetService<IServiceProviderIsService>()?.IsService(serviceType) == true;

    public bool IsKeyedService(Type serviceType, object? serviceKey) =>
        Current.GetService<IServiceProviderIsKeyedService>()?.IsKeyedService(serviceType, serviceKey) == true;
}
