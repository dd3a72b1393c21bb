using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Errors;
using Switchboard.Mrtr;

namespace Switchboard.Upstreams.Sessions;

/// <summary>
/// Carries an upstream's input-required results (SEP-2322) to the caller and the caller's answers back. The upstream's
/// questions go to the caller unchanged, and its <c>requestState</c> is sealed inside ours
/// (<see cref="RequestStateProtector"/>, keys every replica shares), bound to this server, method, name and caller, so
/// the retry can reach any replica and a state made for another tool or caller, altered or expired is refused (-32602). The SDK
/// server delivers the questions: as an input-required result to a 2026-07-28 caller, and as real
/// <c>elicitation/create</c>, <c>sampling/createMessage</c> and <c>roots/list</c> requests to a session-based caller.
/// </summary>
internal static class InputRequiredBridge
{
    /// <summary>Forwards a call of <paramref name="tool"/>; see <see cref="ForwardAsync"/>.</summary>
    public static ValueTask<CallToolResult> CallToolAsync(UpstreamServer upstream, string tool, RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken) =>
        ForwardAsync(
            upstream,
            RequestMethods.ToolsCall,
            tool,
            request,
            new CallToolRequestParams { Name = tool, Arguments = request.Params?.Arguments },
            (forwarded, token) => upstream.CallToolAsync(forwarded, token),
            cancellationToken);

    /// <summary>
    /// Sends <paramref name="forwarded"/> (the upstream's name and arguments) with what else of the caller's request
    /// must travel: its answers and our state opened (a retry), its capabilities, a progress token that relays to it;
    /// in the caller's own upstream session when it keeps one (<see cref="UpstreamSessions"/>).
    /// </summary>
    /// <exception cref="InputRequiredException">The upstream asks the caller something; the state is ours, sealed.</exception>
    public static async ValueTask<TResult> ForwardAsync<TParams, TResult>(
        UpstreamServer upstream,
        string method,
        string name,
        RequestContext<TParams> request,
        TParams forwarded,
        Func<TParams, CancellationToken, ValueTask<TResult>> send,
        CancellationToken cancellationToken)
        where TParams : RequestParams
    {
        var protector = ProtectorFor(request.Services);
        string purpose = Purpose(upstream.Name, method, name, request.User?.FindFirst(Stdio.StdioCredentialPools.PrincipalClaim)?.Value);
        var caller = request.Params;
        var opened = await OpenAsync(protector, upstream.Name, purpose, caller?.RequestState, cancellationToken);
        ValueTask<string> SealPending(string callId) =>
            protector.ProtectAsync(purpose, new JsonObject { ["r"] = UpstreamSessions.ReplicaId, ["c"] = callId }, cancellationToken);
        if (opened?["c"] is { } pendingCall && upstream.Sessions is { } owner)
        {
            // A retry that answers what a session-based upstream asked inside a call pending on a replica.
            return await owner.ContinuePendingAsync<TResult>(opened["r"]?.GetValue<string>(), pendingCall.GetValue<string>(), caller?.InputResponses, SealPending, cancellationToken);
        }

        forwarded.InputResponses = caller?.InputResponses;
        forwarded.RequestState = opened?["s"]?.GetValue<string>();
        forwarded.Meta = CallerCapabilities.Meta(request.Server.ClientCapabilities);
        // A stdio upstream with caller credentials serves this caller from its own set's processes.
        Stdio.StdioCredentialPools.Caller = request.User;
        await using var progress = ProgressRelay.Relay(caller, request.Server, forwarded);
        if (method == RequestMethods.ToolsCall && upstream.Sessions is { } sessions && upstream.ProtocolVersion is { } upstreamVersion
            && UpstreamSessions.RunsPending(request.Server, upstreamVersion))
        {
            // Its questions come sealed already, naming this replica and the pending call.
            return await sessions.StartPendingAsync(request.Server, upstreamVersion, token => send(forwarded, token), SealPending, cancellationToken);
        }

        try
        {
            return upstream.Sessions is { } perCaller
                ? await perCaller.RunAsync(request.Server, token => send(forwarded, token), cancellationToken)
                : await send(forwarded, cancellationToken);
        }
        catch (InputRequiredException asked)
        {
            throw await SealAsync(protector, purpose, asked.Result, cancellationToken);
        }
    }

    /// <summary>
    /// The purpose a state is sealed for: one server, method and name, and the caller, so that whoever else gets hold
    /// of the state cannot answer the call and read its result (it is refused as made for another request). The
    /// principal is length-prefixed: it and the name may both hold ':'.
    /// </summary>
    internal static string Purpose(string server, string method, string name, string? principal)
    {
        principal ??= string.Empty;
        return $"upstream:{server}:{method}:{principal.Length}:{principal}:{name}";
    }

    /// <summary>Our sealed state around the upstream's, and the upstream's questions as they are.</summary>
    internal static async ValueTask<InputRequiredException> SealAsync(RequestStateProtector protector, string purpose, InputRequiredResult asked, CancellationToken cancellationToken)
    {
        var data = new JsonObject { ["s"] = asked.RequestState };
        string sealedState = await protector.ProtectAsync(purpose, data, cancellationToken);
        return asked.InputRequests is { Count: > 0 } questions
            ? new InputRequiredException(questions, sealedState)
            : new InputRequiredException(new InputRequiredResult { RequestState = sealedState });
    }

    /// <summary>
    /// What a retry's <paramref name="sealedState"/> holds, or null for a first request: the upstream's state (<c>s</c>),
    /// or the replica and pending call (<c>r</c>, <c>c</c>) of a call a session-based upstream asks inside.
    /// </summary>
    /// <exception cref="McpProtocolException">The state is not ours, altered, for another request or expired: -32602.</exception>
    internal static async ValueTask<JsonNode?> OpenAsync(RequestStateProtector protector, string server, string purpose, string? sealedState, CancellationToken cancellationToken)
    {
        if (sealedState is null)
        {
            return null;
        }

        var opened = await protector.UnprotectAsync(purpose, sealedState, cancellationToken);
        if (!opened.IsValid)
        {
            var error = new McpProtocolException($"Server '{server}': {opened.Problem}.", SwitchboardErrorCodes.InvalidParams);
            error.Data["server"] = server;
            error.Data["reason"] = "request-state";
            throw error;
        }

        return opened.Data;
    }

    private static RequestStateProtector ProtectorFor(IServiceProvider? services) =>
        services?.GetService(typeof(RequestStateProtector)) as RequestStateProtector ?? RequestStateProtector.ForThisProcess;
}
