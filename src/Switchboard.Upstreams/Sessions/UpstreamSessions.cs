using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Upstreams.Http;

namespace Switchboard.Upstreams.Sessions;

/// <summary>
/// Upstream sessions of one HTTP upstream that belong to one downstream session each. A session-based caller
/// (2025-03-26 to 2025-11-25) gets, on its first forwarded call, an upstream session of its own at its revision and
/// with its capabilities, so what the upstream sends back inside that session (<c>elicitation/create</c>,
/// <c>sampling/createMessage</c>, <c>roots/list</c>, log messages) reaches that caller and no other. Bounded: at most
/// <see cref="MaxSessions"/> per upstream (past it a caller shares the upstream's common connection, and the
/// upstream cannot call back into it), each closed after <see cref="IdleTimeout"/> without a call.
/// </summary>
internal sealed partial class UpstreamSessions : IAsyncDisposable
{
    // The upstream session a forwarded call runs in; UpstreamRequests sends there instead of the common connection.
    private static readonly AsyncLocal<McpClient?> CurrentClient = new();

    private readonly string _server;
    private readonly UpstreamOptions _options;
    private readonly HttpClient _httpClient;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Lazy<Task<Session>>> _sessions = new(StringComparer.Ordinal);
    private readonly ITimer _sweeper;
    private bool _refused;

    public UpstreamSessions(string server, UpstreamOptions options, HttpClient httpClient, ILoggerFactory loggerFactory, TimeProvider time)
    {
        (_server, _options, _httpClient, _loggerFactory, _time) = (server, options, httpClient, loggerFactory, time);
        _logger = loggerFactory.CreateLogger<UpstreamSessions>();
        _sweeper = time.CreateTimer(_ => _ = SweepAsync(), null, SweepInterval, SweepInterval);
    }

    /// <summary>How many downstream sessions may have an upstream session of their own at once.</summary>
    public static int MaxSessions { get; set; } = 256;

    /// <summary>How long an upstream session stays open without a forwarded call.</summary>
    public static TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    private static TimeSpan SweepInterval => TimeSpan.FromSeconds(Math.Clamp(IdleTimeout.TotalSeconds / 4, 1, 60));

    /// <summary>The upstream session open now, for tests and status.</summary>
    public int Count => _sessions.Count;

    /// <summary>The client a forwarded request in this async flow is sent with, or null for the common connection.</summary>
    public static McpClient? Current => CurrentClient.Value;

    /// <summary>
    /// Runs <paramref name="forward"/> in the upstream session of <paramref name="caller"/>'s session, opened now if
    /// needed; in the common connection when the caller keeps no session, or no more sessions may be opened.
    /// </summary>
    public async ValueTask<T> RunAsync<T>(McpServer caller, Func<CancellationToken, ValueTask<T>> forward, CancellationToken cancellationToken)
    {
        if (caller.SessionId is not { } sessionId || UpstreamRequests.UsesPerRequestMetadata(caller.NegotiatedProtocolVersion) || Volatile.Read(ref _refused))
        {
            return await forward(cancellationToken);
        }

        if (!_sessions.ContainsKey(sessionId) && _sessions.Count >= MaxSessions)
        {
            LogSessionsFull(_logger, _server, MaxSessions);
            return await forward(cancellationToken);
        }

        var lazy = _sessions.GetOrAdd(sessionId, id => new Lazy<Task<Session>>(() => OpenAsync(id, caller)));
        Session session;
        try
        {
            session = await lazy.Value.WaitAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _sessions.TryRemove(new(sessionId, lazy));
            if (Resilience.UpstreamFailure.IsUpstreamFault(e) && e is not McpException)
            {
                throw; // the upstream is unwell: the call fails as any call to it would
            }

            // It answered, but keeps no sessions at the caller's revision (a 2026-07-28-only server): from now on
            // its callers share the common connection, as a 2026-07-28 caller does.
            Volatile.Write(ref _refused, true);
            LogSessionsRefused(_logger, _server, caller.NegotiatedProtocolVersion);
            return await forward(cancellationToken);
        }

        session.Use(caller, _time);
        await session.FollowLoggingLevelAsync(cancellationToken);
        var previous = CurrentClient.Value;
        CurrentClient.Value = session.Client;
        try
        {
            return await forward(cancellationToken);
        }
        catch (Exception e) when (UpstreamFailureCloses(e))
        {
            await CloseAsync(sessionId, lazy);
            throw;
        }
        finally
        {
            CurrentClient.Value = previous;
        }
    }

    /// <summary>Closes the upstream session of the downstream session <paramref name="sessionId"/>, if it has one.</summary>
    public async ValueTask CloseAsync(string sessionId)
    {
        if (_sessions.TryGetValue(sessionId, out var lazy))
        {
            await CloseAsync(sessionId, lazy);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _sweeper.DisposeAsync();
        await EndPendingAsync();
        foreach (var (id, lazy) in _sessions)
        {
            await CloseAsync(id, lazy);
        }
    }

    private static bool UpstreamFailureCloses(Exception e) => Resilience.UpstreamFailure.IsUpstreamFault(e);

    private async Task<Session> OpenAsync(string sessionId, McpServer caller)
    {
        var session = new Session(caller, _time);
        var capabilities = caller.ClientCapabilities ?? new ClientCapabilities();
        // The caller's revision and capabilities: the upstream then asks it only what it can answer.
        var options = _options.ClientOptions(caller.NegotiatedProtocolVersion);
        options.Capabilities = new ClientCapabilities { Elicitation = capabilities.Elicitation, Sampling = capabilities.Sampling, Roots = capabilities.Roots };
        options.ClientInfo = caller.ClientInfo;
        options.Handlers = new McpClientHandlers
        {
            ElicitationHandler = capabilities.Elicitation is null ? null : (request, token) => session.Caller.ElicitAsync(request!, token),
#pragma warning disable MCP9005 // sampling and roots are deprecated in 2026-07-28, and exactly what a session-based caller still uses
            SamplingHandler = capabilities.Sampling is null ? null : (request, _, token) => session.Caller.SampleAsync(request!, token),
            RootsHandler = capabilities.Roots is null ? null : (request, token) => session.Caller.RequestRootsAsync(request!, token),
#pragma warning restore MCP9005
            NotificationHandlers =
            [
                new(NotificationMethods.LoggingMessageNotification, (notification, token) => RelayAsync(session, notification, token)),
            ],
        };
        using var timeout = new CancellationTokenSource(_options.Timeout);
        var transport = new InputRequiredPassThroughTransport(HttpUpstreamTransport.Create(_server, _options, _httpClient, _loggerFactory));
        session.Client = await McpClient.CreateAsync(transport, options, _loggerFactory, timeout.Token);
        LogSessionOpened(_logger, _server, session.Client.NegotiatedProtocolVersion);
        return session;
    }

    private static async ValueTask RelayAsync(Session session, JsonRpcNotification notification, CancellationToken cancellationToken) =>
        await session.Caller.SendMessageAsync(new JsonRpcNotification { Method = notification.Method, Params = notification.Params?.DeepClone() }, cancellationToken);

    private async Task SweepAsync()
    {
        var idleSince = _time.GetUtcNow() - IdleTimeout;
        foreach (var (id, lazy) in _sessions)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully && lazy.Value.Result.LastUsed < idleSince)
            {
                await CloseAsync(id, lazy);
            }
        }
    }

    private async ValueTask CloseAsync(string sessionId, Lazy<Task<Session>> lazy)
    {
        if (!_sessions.TryRemove(new(sessionId, lazy)) || !lazy.IsValueCreated)
        {
            return;
        }

        try
        {
            var session = await lazy.Value;
            await session.Client!.DisposeAsync();
            LogSessionClosed(_logger, _server);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // It never opened, or the upstream is gone: nothing to close.
        }
    }

    private sealed class Session(McpServer caller, TimeProvider time)
    {
        // The caller's latest request: what the upstream asks goes back on that request's stream.
        public McpServer Caller { get; private set; } = caller;

        public DateTimeOffset LastUsed { get; private set; } = time.GetUtcNow();

        public McpClient? Client { get; set; }

        private LoggingLevel? _sentLevel;

        public void Use(McpServer caller, TimeProvider time) => (Caller, LastUsed) = (caller, time.GetUtcNow());

        // The gateway answers the caller's logging/setLevel itself; the upstream session learns it before the next call.
        public async ValueTask FollowLoggingLevelAsync(CancellationToken cancellationToken)
        {
            if (Caller.LoggingLevel is { } level && level != _sentLevel)
            {
#pragma warning disable MCP9005 // logging/setLevel is deprecated in 2026-07-28, and what a session-based caller still uses
                await Client!.SetLoggingLevelAsync(level, cancellationToken: cancellationToken);
#pragma warning restore MCP9005
                _sentLevel = level;
            }
        }
    }

    [LoggerMessage(EventId = 4060, Level = LogLevel.Debug, Message = "Remote MCP server '{Server}': opened an upstream session (protocol {ProtocolVersion}) for a downstream session.")]
    private static partial void LogSessionOpened(ILogger logger, string server, string? protocolVersion);

    [LoggerMessage(EventId = 4061, Level = LogLevel.Debug, Message = "Remote MCP server '{Server}': closed an upstream session of a downstream session.")]
    private static partial void LogSessionClosed(ILogger logger, string server);

    [LoggerMessage(EventId = 4063, Level = LogLevel.Warning, Message = "Remote MCP server '{Server}' opens no session at protocol {ProtocolVersion}; session-based callers share its common connection, where it cannot call back into them.")]
    private static partial void LogSessionsRefused(ILogger logger, string server, string? protocolVersion);

    [LoggerMessage(EventId = 4062, Level = LogLevel.Warning, Message = "Remote MCP server '{Server}': {Max} downstream sessions already have an upstream session; more share the common connection, where the upstream cannot call back into them.")]
    private static partial void LogSessionsFull(ILogger logger, string server, int max);
}
