using System.Diagnostics;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol;
using Polly.CircuitBreaker;
using Switchboard.Admission;
using Switchboard.Errors;
using Switchboard.Registry;
using Switchboard.Text;
using Switchboard.Tools;
using Switchboard.Upstreams.Catalog;
using Switchboard.Upstreams.Diagnostics;
using Switchboard.Upstreams.Health;
using Switchboard.Upstreams.Http;
using Switchboard.Upstreams.Pinning;
using Switchboard.Upstreams.Resilience;
using Switchboard.Upstreams.Sessions;
using Switchboard.Upstreams.Stdio;

namespace Switchboard.Upstreams;

/// <summary>
/// One remote MCP server: a lazily (re)connected SDK client, the catalog the registry shows for it, and the
/// resilience pipeline every request to it passes.
/// </summary>
/// <remarks>
/// The catalog keeps the last tool list it got while the upstream is away, so its tools answer with a clear
/// upstream error instead of disappearing; a new connection lists them again.
/// </remarks>
public sealed partial class UpstreamServer : IUpstreamClientSource, IAsyncDisposable
{
    private static readonly TimeSpan DrainPollInterval = TimeSpan.FromMilliseconds(50);

    private readonly UpstreamOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly HttpClient? _httpClient;
    // Neither lock is disposed: disposing a SemaphoreSlim strands whoever is queued on it. Requests still waiting
    // when the server closes give up through _closed instead.
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    // Cancelled when the server closes: ends connects in progress and waiting, so none opens a connection after it.
    private readonly CancellationTokenSource _closed = new();
    private readonly UpstreamResilience _resilience;
    private readonly IToolDefinitionPins _pins;
    // A stdio upstream's processes; an HTTP upstream is served by this class's one connection.
    private readonly StdioCredentialPools? _pool;
    private readonly IUpstreamClientSource _clients;
    // Serializes changes to the catalog: a new listing and a re-check of pins after an approval.
    private readonly SemaphoreSlim _catalogLock = new(1, 1);
    private McpClient? _client;
    private string? _lastFailure;
    private List<Tool>? _listed;
    private IReadOnlySet<string> _quarantined = new HashSet<string>();
    // Requests forwarded and not answered yet: a server being replaced is closed once they are (DrainAsync).
    private int _inFlight;
    // Listings after the upstream's list_changed, coalesced: a flood of notifications is not a flood of listings.
    private readonly CoalescedRelist _toolsRelist;
    private readonly CoalescedRelist _catalogRelist;

    internal UpstreamServer(string name, UpstreamOptions options, IToolDefinitionPins pins, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        Name = name;
        _options = options;
        _pins = pins;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<UpstreamServer>();
        _httpClient = options.Transport == UpstreamTransport.Http ? HttpUpstreamTransport.CreateHttpClient(name, options, loggerFactory, timeProvider) : null;
        _resilience = new UpstreamResilience(
            options,
            timeProvider,
            opened: args => LogCircuitOpened(_logger, Name, args.BreakDuration.TotalSeconds, args.Outcome.Exception is { } e ? UpstreamFailure.ReasonFor(e) : UpstreamFailure.Failed),
            closed: () => LogCircuitClosed(_logger, Name));
        Sessions = _httpClient is null ? null : new UpstreamSessions(name, options, _httpClient, loggerFactory, timeProvider);
        Catalog = new McpServerCatalog(name, $"Remote MCP server ({options.Transport}).") { CompleteHandler = CompleteAsync, RemoteTasks = this };
        _pool = options.Transport == UpstreamTransport.Stdio ? new StdioCredentialPools(name, options, PrepareAsync, loggerFactory, timeProvider) : null;
        _clients = _pool ?? (IUpstreamClientSource)this;
        _toolsRelist = new CoalescedRelist(client => RefreshAfterChangeAsync(client, RefreshToolsAsync), timeProvider);
        _catalogRelist = new CoalescedRelist(client => RefreshAfterChangeAsync(client, RefreshCatalogAsync), timeProvider);
        UpstreamDiagnostics.Track(this);
    }

    /// <summary>The server's registry name.</summary>
    public string Name { get; }

    /// <summary>What the registry shows for this server; filled once the upstream answers.</summary>
    public McpServerCatalog Catalog { get; }

    /// <summary>The upstream sessions of session-based callers (HTTP upstreams only); see <see cref="UpstreamSessions"/>.</summary>
    internal UpstreamSessions? Sessions { get; }

    /// <summary>How the upstream is reached.</summary>
    public UpstreamTransport Transport => _options.Transport;

    /// <summary>The settings it was created with.</summary>
    public UpstreamOptions Options => _options;

    /// <summary>How often to try again while it is unreachable.</summary>
    internal TimeSpan ReconnectInterval => _options.ReconnectInterval;

    /// <summary>Whether a connection is open now (for HTTP: the last handshake worked and no request failed since).</summary>
    public bool IsConnected => _pool?.IsAvailable ?? (Volatile.Read(ref _client) is { } client && !client.Completion.IsCompleted);

    /// <summary>The circuit's state: <see cref="CircuitState.Closed"/> while calls go through.</summary>
    public CircuitState CircuitState => _resilience.CircuitState;

    /// <summary>What the active health checks found.</summary>
    public UpstreamHealth Health { get; } = new();

    /// <summary>Why the last connection attempt or call failed (a reason word such as <c>unreachable</c>), or null.</summary>
    public string? LastFailure => Volatile.Read(ref _lastFailure);

    /// <summary>The tools withheld because their definition changed since it was approved (pinning).</summary>
    public IReadOnlySet<string> QuarantinedTools => Volatile.Read(ref _quarantined);

    /// <summary>The protocol revision agreed with the upstream, while connected.</summary>
    public string? ProtocolVersion => _pool is not null ? _pool.ProtocolVersion : Volatile.Read(ref _client)?.NegotiatedProtocolVersion;

    /// <summary>A stdio upstream's processes now (serving, draining, starting) and how many were started again after a crash; null for HTTP.</summary>
    public (int Processes, long Restarts)? StdioProcesses => _pool is null ? null : (_pool.ProcessCount, _pool.Restarts);

    /// <summary>Forwards a <c>tools/call</c> through the resilience pipeline, with the caller's cancellation.</summary>
    /// <exception cref="McpProtocolException">The upstream's own error, or one of <see cref="SwitchboardErrorCodes"/>.</exception>
    public ValueTask<CallToolResult> CallToolAsync(CallToolRequestParams request, CancellationToken cancellationToken) =>
        SendAsync(
            "switchboard.upstream tools/call",
            RequestMethods.ToolsCall,
            request.Name,
            UpstreamCallPolicy.IsSafe(Catalog, request.Name),
            // A pending call also waits for its caller's answers (Sessions/UpstreamSessions.Pending.cs).
            UpstreamCallPolicy.TimeoutFor(_options, request.Name) + (UpstreamSessions.InPendingCall ? _options.PendingCallTimeout : TimeSpan.Zero),
            static async (client, request, token) => await UpstreamRequests.CallToolAsync(client, request, token),
            request,
            cancellationToken);

    // One request through the pipeline on a client of this upstream, in a span of its own: the SDK client's span and
    // the HTTP request (whose traceparent the upstream continues) are its children.
    private async ValueTask<TResult> SendAsync<TState, TResult>(
        string activityName,
        string method,
        string target,
        bool safe,
        TimeSpan timeout,
        Func<McpClient, TState, CancellationToken, ValueTask<TResult>> send,
        TState state,
        CancellationToken cancellationToken)
    {
        using var activity = UpstreamDiagnostics.ActivitySource.StartActivity(activityName, ActivityKind.Internal);
        activity?.SetTag("mcp.server", Name);
        activity?.SetTag("mcp.method.name", method);
        if (method == RequestMethods.ToolsCall)
        {
            activity?.SetTag("gen_ai.tool.name", target);
        }

        Interlocked.Increment(ref _inFlight);
        AdmissionPlace.GiveBack(); // from here the request waits on the upstream, not on this process
        try
        {
            return await _resilience.ExecuteAsync(
                safe,
                timeout,
                static (context, token) => OnClientAsync(context.Clients, context.Send, context.State, context.Caller, token),
                (Clients: _clients, Send: send, State: state, Caller: cancellationToken),
                cancellationToken);
        }
        catch (Exception e) when (_closed.IsCancellationRequested && !cancellationToken.IsCancellationRequested && e is not McpProtocolException)
        {
            // Removed or disabled (or the gateway stopping) while the call was in flight: its connection was closed
            // under it, which is no fault of the upstream's and no bug of ours.
            activity?.SetStatus(ActivityStatusCode.Error, UpstreamFailure.Closed);
            if (method == RequestMethods.ToolsCall)
            {
                LogCallFailed(_logger, Name, PrintableText.Escape(target)!, UpstreamFailure.Closed);
            }
            else
            {
                LogForwardFailed(_logger, Name, method, PrintableText.Escape(target)!, UpstreamFailure.Closed);
            }

            throw UpstreamFailure.ClosedError(Name, CircuitState);
        }
        catch (Exception e) when (UpstreamFailure.IsClientVisible(e))
        {
            // Our pipeline's timeout is a TimeoutRejectedException; an OperationCanceledException is the caller's own.
            string reason = UpstreamFailure.ReasonFor(e);
            activity?.SetStatus(ActivityStatusCode.Error, reason);
            if (reason is not (UpstreamFailure.CircuitOpen or UpstreamFailure.Busy))
            {
                // Refusals (an open circuit, no free slot) are not logged one by one: the circuit's opening was, once.
                Volatile.Write(ref _lastFailure, reason);
                if (method == RequestMethods.ToolsCall)
                {
                    LogCallFailed(_logger, Name, PrintableText.Escape(target)!, reason);
                }
                else
                {
                    LogForwardFailed(_logger, Name, method, PrintableText.Escape(target)!, reason);
                }
            }

            throw UpstreamFailure.ToClientError(Name, e, CircuitState);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>
    /// Waits until no forwarded request is unanswered, for at most the longest a call to this upstream may take (its
    /// longest timeout, and the time a pending call may wait on its caller), so that a server replaced by an edit
    /// answers the calls it took before it is closed.
    /// </summary>
    internal async Task DrainAsync(TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var longest = _options.ToolTimeouts.Values.Append(_options.Timeout).Max() + _options.PendingCallTimeout;
        var deadline = timeProvider.GetUtcNow() + longest;
        while (Volatile.Read(ref _inFlight) > 0 && timeProvider.GetUtcNow() < deadline)
        {
            await Task.Delay(DrainPollInterval, timeProvider, cancellationToken);
        }
    }

    /// <summary>
    /// Checks that the upstream answers (<see cref="UpstreamProbing"/>), through the pipeline so that its circuit
    /// hears of it: a failed probe counts against it, and once it is open the probe is the trial call that closes it.
    /// </summary>
    internal async Task ProbeAsync(CancellationToken cancellationToken) =>
        await _resilience.ExecuteAsync(
            safe: false, // a probe that failed is the answer; the next one comes on the interval
            _options.Timeout,
            static (context, token) => OnClientAsync(
                context.Clients,
                static async (client, _, token) =>
                {
                    await UpstreamProbing.ProbeAsync(client, token);
                    return true;
                },
                (object?)null,
                context.Caller,
                token),
            (Clients: _clients, Caller: cancellationToken),
            cancellationToken);

    // Sends one request on a client of this upstream (a process of the stdio pool, or the one connection), handing
    // back a client whose connection failed or timed out so that the next request gets a new one.
    // caller: the caller's own token; cancellationToken also ends at the pipeline's timeout.
    private static async ValueTask<TResult> OnClientAsync<TState, TResult>(
        IUpstreamClientSource clients,
        Func<McpClient, TState, CancellationToken, ValueTask<TResult>> send,
        TState state,
        CancellationToken caller,
        CancellationToken cancellationToken)
    {
        var client = await clients.AcquireAsync(cancellationToken);
        var end = UpstreamRequestEnd.Answered;
        try
        {
            return await send(client, state, cancellationToken);
        }
        catch (Exception e) when (UpstreamFailure.IsUpstreamFault(e))
        {
            end = UpstreamRequestEnd.Failed;
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !caller.IsCancellationRequested)
        {
            // The pipeline's timeout, not the caller: a process stuck on this request would take the next ones too.
            end = UpstreamRequestEnd.TimedOut;
            throw;
        }
        finally
        {
            await clients.ReleaseAsync(client, end);
        }
    }

    /// <summary>Connects if no connection is open, and lists the upstream's tools into <see cref="Catalog"/>.</summary>
    /// <returns>False when the upstream could not be reached; the reason is in <see cref="LastFailure"/>.</returns>
    internal async Task<bool> TryConnectAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            if (_pool is not null)
            {
                await _pool.EnsureStartedAsync(timeout.Token);
            }
            else
            {
                await ConnectAsync(timeout.Token);
            }

            return true;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            string reason = e is OperationCanceledException ? UpstreamFailure.Timeout : UpstreamFailure.ReasonFor(e);
            Volatile.Write(ref _lastFailure, reason);
            LogConnectFailed(_logger, Name, reason, e.GetType().Name);
            return false;
        }
    }

    private async ValueTask<McpClient> ConnectAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _client) is { Completion.IsCompleted: false } open)
        {
            return open;
        }

        using var connecting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closed.Token);
        cancellationToken = connecting.Token;
        await _connectLock.WaitAsync(cancellationToken);
        try
        {
            if (Volatile.Read(ref _client) is { Completion.IsCompleted: false } raced)
            {
                return raced;
            }

            if (Volatile.Read(ref _client) is { } ended)
            {
                await DropAsync(ended);
            }

            var transport = new InputRequiredPassThroughTransport(HttpUpstreamTransport.Create(Name, _options, _httpClient!, _loggerFactory));
            // The server/discover probe waits as long as any request to this upstream may (the SDK's default is 5 s): a
            // slow first answer (a cold upstream) must not settle the connection on a session-based revision.
            var client = await McpClient.CreateAsync(transport, _options.ClientOptions(_options.ProtocolVersion), _loggerFactory, cancellationToken);
            try
            {
                await PrepareAsync(client, cancellationToken);
            }
            catch
            {
                await client.DisposeAsync();
                throw;
            }

            Volatile.Write(ref _client, client);
            if (_closed.IsCancellationRequested)
            {
                // Closed meanwhile, perhaps after DisposeAsync took the connection it found: this one is not left open.
                await DropAsync(client);
                throw new ObjectDisposedException(nameof(UpstreamServer), $"The upstream server '{Name}' was closed while connecting.");
            }

            Volatile.Write(ref _lastFailure, null);
            LogConnected(_logger, Name, client.NegotiatedProtocolVersion, Catalog.Tools.Count);
            return client;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    // Lists the tools of a new connection (or process) into the catalog, and again whenever it announces a change.
    private async Task PrepareAsync(McpClient client, CancellationToken cancellationToken)
    {
        await RefreshToolsAsync(client, cancellationToken);
        await TryRefreshCatalogAsync(client, cancellationToken);
        client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            // Not awaited here: the listing's answer arrives through the loop that is running this handler.
            _toolsRelist.Changed(client);
            return ValueTask.CompletedTask;
        });
        WatchCatalog(client);
    }

    ValueTask<McpClient> IUpstreamClientSource.AcquireAsync(CancellationToken cancellationToken) => ConnectAsync(cancellationToken);

    // A timeout leaves the HTTP connection as it is: the next request is an HTTP request of its own.
    ValueTask IUpstreamClientSource.ReleaseAsync(McpClient client, UpstreamRequestEnd end) => end == UpstreamRequestEnd.Failed ? DropAsync(client) : ValueTask.CompletedTask;

    private async Task RefreshToolsAsync(McpClient client, CancellationToken cancellationToken)
    {
        var taskSupport = new Dictionary<string, TaskSupport>(StringComparer.Ordinal);
        var (tools, rejected) = await UpstreamToolList.ListAsync(client, cancellationToken, (tool, raw) => taskSupport[tool.Name] = TaskSupportIn(raw));
        foreach (string name in rejected)
        {
            LogToolRejected(_logger, Name, PrintableText.Escape(name)!);
        }

        // The SDK client sends Mcp-Param-* headers only for tools it knows.
        client.ClearKnownTools();
        client.AddKnownTools(tools);
        RememberTaskSupport(client, taskSupport);
        await _catalogLock.WaitAsync(cancellationToken);
        try
        {
            Volatile.Write(ref _listed, tools);
            await ApplyPinsAsync(tools, cancellationToken);
        }
        finally
        {
            _catalogLock.Release();
        }
    }

    /// <summary>Decides again which of the last listed tools are served: after an approval, or a change of pins elsewhere.</summary>
    internal async Task ReapplyPinsAsync(CancellationToken cancellationToken)
    {
        await _catalogLock.WaitAsync(cancellationToken);
        try
        {
            if (Volatile.Read(ref _listed) is { } tools)
            {
                await ApplyPinsAsync(tools, cancellationToken);
            }
        }
        finally
        {
            _catalogLock.Release();
        }
    }

    private async Task ApplyPinsAsync(List<Tool> tools, CancellationToken cancellationToken)
    {
        var quarantined = _options.Pinning == ToolPinning.Off
            ? new HashSet<string>()
            : await _pins.QuarantinedAsync(Name, _options, tools, cancellationToken);
        ShowTools(tools, quarantined);
    }

    /// <summary>Connects now and again whenever the connection is gone, every <see cref="ReconnectInterval"/>, until <paramref name="stoppingToken"/>.</summary>
    internal async Task KeepConnectedAsync(TimeProvider timeProvider, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(ReconnectInterval, timeProvider);
        try
        {
            do
            {
                if (!IsConnected)
                {
                    await TryConnectAsync(stoppingToken);
                }
                else
                {
                    await RefreshIfStaleAsync(stoppingToken);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the host, or the server was unregistered.
        }
    }

    // After a list_changed notification (coalesced by CoalescedRelist): lists again with refresh (tools, or the rest
    // of the catalog), bounded by the upstream's timeout.
    private async Task RefreshAfterChangeAsync(McpClient client, Func<McpClient, CancellationToken, Task> refresh)
    {
        if (_closed.IsCancellationRequested || client.Completion.IsCompleted)
        {
            return; // the server was closed, or this connection ended, while the listing waited its turn
        }

        using var timeout = new CancellationTokenSource(_options.Timeout);
        try
        {
            await refresh(client, timeout.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogRefreshFailed(_logger, Name, UpstreamFailure.ReasonFor(e));
        }
    }

    // Forgets a connection that failed, so the next request or reconnect attempt opens a new one (a stdio upstream
    // is started again). Only the connection that failed: another request may already have replaced it.
    private async ValueTask DropAsync(McpClient client)
    {
        if (Interlocked.CompareExchange(ref _client, null, client) == client)
        {
            await client.DisposeAsync();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _closed.CancelAsync(); // before the connection is taken below: a connect that ends later sees it
        UpstreamDiagnostics.Untrack(this);
        if (_pool is not null)
        {
            await _pool.DisposeAsync();
        }

        if (Interlocked.Exchange(ref _client, null) is { } client)
        {
            await client.DisposeAsync();
        }

        if (Sessions is not null)
        {
            await Sessions.DisposeAsync();
        }

        _httpClient?.Dispose();
        _resilience.Dispose();
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Connected to remote MCP server '{Server}' (protocol {ProtocolVersion}): {Tools} tools.")]
    private static partial void LogConnected(ILogger logger, string server, string? protocolVersion, int tools);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Remote MCP server '{Server}' could not be connected: {Reason} ({ExceptionType}); its tools answer with an upstream error until it is back.")]
    private static partial void LogConnectFailed(ILogger logger, string server, string reason, string exceptionType);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Remote MCP server '{Server}': the tool '{Tool}' is left out: its definition is not a valid MCP tool (an input schema needs a top-level \"type\":\"object\").")]
    private static partial void LogToolRejected(ILogger logger, string server, string tool);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Remote MCP server '{Server}': call to '{Tool}' failed: {Reason}.")]
    private static partial void LogCallFailed(ILogger logger, string server, string tool, string reason);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Remote MCP server '{Server}': circuit opened for {Seconds} s after failures ({Reason}); its calls fail at once meanwhile.")]
    private static partial void LogCircuitOpened(ILogger logger, string server, double seconds, string reason);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Information, Message = "Remote MCP server '{Server}': circuit closed, calls go through again.")]
    private static partial void LogCircuitClosed(ILogger logger, string server);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Warning, Message = "Remote MCP server '{Server}': a list of it changed but could not be read again: {Reason}.")]
    private static partial void LogRefreshFailed(ILogger logger, string server, string reason);
}
