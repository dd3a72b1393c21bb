using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Errors;
using Switchboard.Upstreams.Http;

namespace Switchboard.Upstreams.Sessions;

/// <summary>
/// Pending calls: a 2026-07-28 caller (no session) that declared elicitation, sampling or roots calls a session-based
/// upstream. The call runs in an upstream session of its own that declares the caller's capabilities; what the
/// upstream asks inside it becomes an input-required result, and the call stays pending in this process until the
/// caller's retry answers. The state names this replica and the call, so a retry that reaches another replica, or
/// comes after the call expired, is refused at once (-32602, <c>reason: "pending-call-gone"</c>), never left waiting.
/// </summary>
internal sealed partial class UpstreamSessions
{
    private static readonly AsyncLocal<bool> InPendingCallFlow = new();

    private readonly ConcurrentDictionary<string, PendingCall> _pending = new(StringComparer.Ordinal);

    /// <summary>Whether the forwarded call in this async flow is a pending call, whose time includes the caller's answers.</summary>
    public static bool InPendingCall => InPendingCallFlow.Value;

    /// <summary>This process among the replicas: a pending call can be continued only here.</summary>
    public static string ReplicaId { get; } = Guid.NewGuid().ToString("N");

    /// <summary>How many calls of one upstream may wait for their callers' answers at once.</summary>
    public static int MaxPendingCalls { get; set; } = 256;

    /// <summary>Whether a call of <paramref name="caller"/> to an upstream at <paramref name="upstreamVersion"/> runs as a pending call.</summary>
    public static bool RunsPending(McpServer caller, string? upstreamVersion) =>
        caller.SessionId is null
        && UpstreamRequests.UsesPerRequestMetadata(caller.NegotiatedProtocolVersion)
        && upstreamVersion is not null && !UpstreamRequests.UsesPerRequestMetadata(upstreamVersion)
        && caller.ClientCapabilities is { } declared && (declared.Elicitation is not null || declared.Sampling is not null || declared.Roots is not null);

    /// <summary>
    /// Starts <paramref name="forward"/> in an upstream session of its own, with the caller's capabilities; returns its
    /// result, or throws the upstream's first question sealed by <paramref name="seal"/>. Past
    /// <see cref="MaxPendingCalls"/> the call goes through the common connection, where the upstream cannot ask.
    /// </summary>
    /// <exception cref="InputRequiredException">The upstream asks the caller something; the call is pending.</exception>
    public async ValueTask<T> StartPendingAsync<T>(McpServer caller, string upstreamVersion, Func<CancellationToken, ValueTask<T>> forward, Func<string, ValueTask<string>> seal, CancellationToken cancellationToken)
    {
        if (_pending.Count >= MaxPendingCalls)
        {
            LogPendingFull(_logger, _server, MaxPendingCalls);
            return await forward(cancellationToken);
        }

        var call = new PendingCall(Guid.NewGuid().ToString("N"), _options.PendingCallTimeout);
        var capabilities = caller.ClientCapabilities!;
        // The common connection's revision, with the caller's capabilities: the upstream may ask what the caller can answer.
        var options = _options.ClientOptions(upstreamVersion);
        options.Capabilities = new ClientCapabilities { Elicitation = capabilities.Elicitation, Sampling = capabilities.Sampling, Roots = capabilities.Roots };
        options.ClientInfo = caller.ClientInfo;
#pragma warning disable MCP9005 // sampling and roots are deprecated in 2026-07-28, and exactly what a session-based upstream still asks
        options.Handlers = new McpClientHandlers
        {
            ElicitationHandler = capabilities.Elicitation is null ? null : async (request, token) =>
                (await call.AskAsync(InputRequest.ForElicitation(request!), token)).Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo<ElicitResult>())!,
            SamplingHandler = capabilities.Sampling is null ? null : async (request, _, token) =>
                (await call.AskAsync(InputRequest.ForSampling(request!), token)).Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo<CreateMessageResult>())!,
            RootsHandler = capabilities.Roots is null ? null : async (request, token) =>
                (await call.AskAsync(InputRequest.ForRootsList(request!), token)).Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo<ListRootsResult>())!,
        };
#pragma warning restore MCP9005
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.Timeout);
            var transport = new InputRequiredPassThroughTransport(HttpUpstreamTransport.Create(_server, _options, _httpClient, _loggerFactory));
            call.Client = await McpClient.CreateAsync(transport, options, _loggerFactory, timeout.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // No session of its own: the call goes through the common connection's pipeline, which reports the
            // upstream's state in the documented errors.
            return await forward(cancellationToken);
        }

        _pending[call.Id] = call;
        call.Lifetime.Token.Register(() => _ = EndAsync(call, expired: true));
        call.Completion = Task.Run(async () =>
        {
            CurrentClient.Value = call.Client;
            InPendingCallFlow.Value = true;
            try
            {
                return (object?)await forward(call.Lifetime.Token);
            }
            finally
            {
                call.Lifetime.CancelAfter(_options.PendingCallTimeout); // a result its caller never collects is dropped
            }
        });
        LogPendingStarted(_logger, _server);
        return await WaitAsync<T>(call, seal, cancellationToken);
    }

    /// <summary>Gives the pending call <paramref name="callId"/> the caller's answers and waits for its result or next question.</summary>
    /// <exception cref="McpProtocolException">The call is not pending on this replica (another replica's, or it expired): -32602.</exception>
    public async ValueTask<T> ContinuePendingAsync<T>(string? replica, string callId, IDictionary<string, InputResponse>? answers, Func<string, ValueTask<string>> seal, CancellationToken cancellationToken)
    {
        if (replica != ReplicaId || !_pending.TryGetValue(callId, out var call))
        {
            var error = new McpProtocolException(
                $"Server '{_server}': the call this answer belongs to is no longer pending on this gateway (it expired, or the answer reached another replica); call the tool again from the start.",
                SwitchboardErrorCodes.InvalidParams);
            error.Data["server"] = _server;
            error.Data["reason"] = "pending-call-gone";
            throw error;
        }

        foreach (var (key, answer) in answers ?? new Dictionary<string, InputResponse>())
        {
            call.Answer(key, answer);
        }

        return await WaitAsync<T>(call, seal, cancellationToken);
    }

    private async ValueTask<T> WaitAsync<T>(PendingCall call, Func<string, ValueTask<string>> seal, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (call.Completion!.IsCompleted)
            {
                await EndAsync(call, expired: false);
                return (T)(await call.Completion)!;
            }

            if (call.Unanswered() is { Count: > 0 } questions)
            {
                throw new InputRequiredException(questions, await seal(call.Id));
            }

            await Task.WhenAny(call.Completion, call.Asked.Reader.ReadAsync(cancellationToken).AsTask());
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private async Task EndAsync(PendingCall call, bool expired)
    {
        if (!_pending.TryRemove(new(call.Id, call)))
        {
            return;
        }

        if (expired)
        {
            LogPendingExpired(_logger, _server);
        }

        await call.Lifetime.CancelAsync();
        // Closing the session cancels what the upstream still asks, and DELETEs its Mcp-Session-Id.
        await call.Client!.DisposeAsync();
    }

    private async ValueTask EndPendingAsync()
    {
        foreach (var call in _pending.Values)
        {
            await EndAsync(call, expired: false);
        }
    }

    private sealed class PendingCall(string id, TimeSpan timeout)
    {
        private readonly ConcurrentDictionary<string, (InputRequest Request, TaskCompletionSource<InputResponse> Answer)> _questions = new(StringComparer.Ordinal);
        private int _asked;

        public string Id { get; } = id;

        /// <summary>Cancelled when a question waits unanswered longer than the timeout, or the call ends.</summary>
        public CancellationTokenSource Lifetime { get; } = new();

        /// <summary>Wakes a waiting round when the upstream asks something.</summary>
        public Channel<bool> Asked { get; } = Channel.CreateUnbounded<bool>();

        public McpClient? Client { get; set; }

        public Task<object?>? Completion { get; set; }

        public async Task<InputResponse> AskAsync(InputRequest request, CancellationToken cancellationToken)
        {
            string key = $"q{Interlocked.Increment(ref _asked)}";
            var answer = new TaskCompletionSource<InputResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
            _questions[key] = (request, answer);
            Lifetime.CancelAfter(timeout);
            Asked.Writer.TryWrite(true);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Lifetime.Token);
            try
            {
                return await answer.Task.WaitAsync(linked.Token);
            }
            finally
            {
                _questions.TryRemove(key, out _);
                if (_questions.IsEmpty && !Lifetime.IsCancellationRequested)
                {
                    Lifetime.CancelAfter(Timeout.InfiniteTimeSpan); // the upstream works again: only waiting for the caller expires
                }
            }
        }

        public void Answer(string key, InputResponse answer)
        {
            if (_questions.TryGetValue(key, out var question))
            {
                question.Answer.TrySetResult(answer);
            }
        }

        public Dictionary<string, InputRequest> Unanswered() =>
            _questions.Where(q => !q.Value.Answer.Task.IsCompleted).ToDictionary(q => q.Key, q => q.Value.Request, StringComparer.Ordinal);
    }

    [LoggerMessage(EventId = 4064, Level = LogLevel.Debug, Message = "Remote MCP server '{Server}': a 2026-07-28 caller's call runs in an upstream session of its own.")]
    private static partial void LogPendingStarted(ILogger logger, string server);

    [LoggerMessage(EventId = 4065, Level = LogLevel.Warning, Message = "Remote MCP server '{Server}': a pending call expired before the caller answered; it was cancelled.")]
    private static partial void LogPendingExpired(ILogger logger, string server);

    [LoggerMessage(EventId = 4066, Level = LogLevel.Warning, Message = "Remote MCP server '{Server}': {Max} calls already wait for their callers' answers; more go through the common connection, where the upstream cannot ask.")]
    private static partial void LogPendingFull(ILogger logger, string server, int max);
}
