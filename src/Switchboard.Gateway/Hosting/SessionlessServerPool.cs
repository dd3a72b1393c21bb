using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;
using Switchboard.Gateway.Diagnostics;
using Switchboard.Registry;

namespace Switchboard.Gateway.Hosting;

/// <summary>
/// Long-lived SDK servers for sessionless (2026-07-28) requests, a few per view, each over its own stateless
/// <see cref="StreamableHttpServerTransport"/>. For such a request the SDK's handler builds the options, every handler
/// and filter pipeline and a transport, then disposes them, on every POST (issue 18's profile: most of the SDK's share
/// of a call). A server here is built once, exactly as that handler builds one
/// (<see cref="GatewayServiceCollectionExtensions.ConfigureViewOptions"/>), and serves one POST at a time, so JSON-RPC
/// ids of different callers never meet inside one server. Each message runs under its POST's execution context
/// (<see cref="StreamableHttpServerTransport.FlowExecutionContextFromRequests"/>), and its services are that POST's
/// (<see cref="CurrentRequestServices"/>), as with a server made for the request. A server only ever sees 2026-07-28
/// requests: the SDK fixes a server's protocol version at its first request.
/// </summary>
internal sealed partial class SessionlessServerPool(
    IOptionsFactory<McpServerOptions> optionsFactory,
    IServiceProvider services,
    IHttpContextAccessor httpContextAccessor,
    ILoggerFactory loggerFactory,
    ILogger<SessionlessServerPool> logger) : IAsyncDisposable
{
    // Enough idle servers for every call in flight at the concurrency the gateway is sized for; a server is a few
    // tens of kilobytes. A burst beyond it builds servers that are disposed when returned.
    internal static readonly int MaxIdlePerView = Math.Max(64, 16 * Environment.ProcessorCount);

    private readonly ConcurrentDictionary<McpServerView, ViewServers> _views = new();
    private readonly CurrentRequestServices _requestServices = new(httpContextAccessor, services);
    private volatile bool _disposed;

    /// <summary>A server of <paramref name="view"/> for one POST: an idle one, or a new one.</summary>
    public PooledServer Rent(McpServerView view)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return ServersOf(view).TryTake(out var server) ? server : Create(view);
    }

    /// <summary>
    /// Takes back a server. Only one whose POST ended normally is <paramref name="reusable"/>: after a failure or a
    /// disconnect its request may still be running, and disposing the server cancels it, as the SDK's per-request
    /// server is disposed with its POST.
    /// </summary>
    public ValueTask ReturnAsync(PooledServer server, bool reusable)
    {
        if (reusable && !_disposed && !server.View.Retired.IsCancellationRequested && _views.TryGetValue(server.View, out var servers) && servers.TryKeep(server))
        {
            return ValueTask.CompletedTask;
        }

        return server.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        foreach (var view in _views.Keys)
        {
            if (_views.TryRemove(view, out var servers))
            {
                await DisposeAllAsync(servers.Close());
            }
        }
    }

    private ViewServers ServersOf(McpServerView view)
    {
        if (_views.TryGetValue(view, out var servers))
        {
            return servers;
        }

        servers = _views.GetOrAdd(view, static _ => new ViewServers());
        // Registered after the add: a view retired in between is let go at once (Register runs the callback then).
        view.Retired.UnsafeRegister(static (state, _token) =>
        {
            var (pool, retired) = ((SessionlessServerPool, McpServerView))state!;
            if (pool._views.TryRemove(retired, out var idle))
            {
                // Off the thread retiring the view: it holds the registry's lock.
                _ = Task.Run(() => pool.DisposeAllAsync(idle.Close()), CancellationToken.None);
            }
        }, (this, view));
        return servers;
    }

    private PooledServer Create(McpServerView view)
    {
        var options = optionsFactory.Create(Options.DefaultName);
        options.ScopeRequests = false; // as the SDK's handler for a sessionless request: the POST's scope serves it
        GatewayServiceCollectionExtensions.ConfigureViewOptions(options, view, services);
        var transport = new StreamableHttpServerTransport(loggerFactory) { Stateless = true, FlowExecutionContextFromRequests = true };
        var server = McpServer.Create(transport, options, loggerFactory, _requestServices);
        GatewayDiagnostics.PooledServersCreated.Add(1, new KeyValuePair<string, object?>("mcp_server", view.Name));
        return new PooledServer(view, server, transport);
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
                LogDisposeFailed(logger, server.View.Name, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A pooled MCP server of '{View}' failed to stop.")]
    private static partial void LogDisposeFailed(ILogger logger, string view, Exception exception);

    /// <summary>The idle servers of one view.</summary>
    private sealed class ViewServers
    {
        private readonly ConcurrentQueue<PooledServer> _idle = new();
        private int _idleCount;
        private volatile bool _closed;

        public bool TryTake(out PooledServer server)
        {
            if (_idle.TryDequeue(out server!))
            {
                Interlocked.Decrement(ref _idleCount);
                return true;
            }

            return false;
        }

        public bool TryKeep(PooledServer server)
        {
            if (_closed || Interlocked.Increment(ref _idleCount) > MaxIdlePerView)
            {
                Interlocked.Decrement(ref _idleCount);
                return false;
            }

            _idle.Enqueue(server);
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

        /// <summary>Keeps nothing from now on; the servers idle now, for the caller to dispose.</summary>
        public List<PooledServer> Close()
        {
            _closed = true;
            var drained = new List<PooledServer>();
            while (TryTake(out var server))
            {
                drained.Add(server);
            }

            return drained;
        }
    }
}

/// <summary>One server of <see cref="SessionlessServerPool"/>, running from its creation until disposed.</summary>
internal sealed class PooledServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;
    private int _disposed;

    public PooledServer(McpServerView view, McpServer server, StreamableHttpServerTransport transport)
    {
        (View, Server, Transport) = (view, server, transport);
        // Not under the execution context of the POST that happened to create it: every message brings its own.
        using (ExecutionContext.SuppressFlow())
        {
            _run = Task.Run(() => server.RunAsync(_stop.Token));
        }
    }

    public McpServerView View { get; }

    public McpServer Server { get; }

    public StreamableHttpServerTransport Transport { get; }

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
