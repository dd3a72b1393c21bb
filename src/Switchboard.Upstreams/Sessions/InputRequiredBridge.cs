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
/// (<see cref="RequestStateProtector"/>, keys every replica shares), bound to this server and tool, so the retry can
/// reach any replica and a state made for another tool, altered or expired is refused. The SDK server delivers the
/// questions: as an input-required result to a 2026-07-28 caller, and as real <c>elicitation/create</c>,
/// <c>sampling/createMessage</c> and <c>roots/list</c> requests to a session-based caller.
/// </summary>
internal static class InputRequiredBridge
{
    /// <summary>Forwards a call of <paramref name="tool"/> with the caller's answers, if this is a retry.</summary>
    /// <exception cref="InputRequiredException">The upstream asks the caller something; the state is ours, sealed.</exception>
    public static async ValueTask<CallToolResult> CallToolAsync(UpstreamServer upstream, string tool, RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        var protector = ProtectorFor(request.Services);
        string purpose = Purpose(upstream.Name, RequestMethods.ToolsCall, tool);
        var caller = request.Params;
        var forwarded = new CallToolRequestParams
        {
            Name = tool,
            Arguments = caller?.Arguments,
            InputResponses = caller?.InputResponses,
            RequestState = await OpenAsync(protector, upstream.Name, purpose, caller?.RequestState, cancellationToken),
            Meta = CallerCapabilities.Meta(request.Server.ClientCapabilities),
        };
        using var progress = ProgressRelay.Relay(caller, request.Server, forwarded);
        try
        {
            return upstream.Sessions is { } sessions
                ? await sessions.RunAsync(request.Server, token => upstream.CallToolAsync(forwarded, token), cancellationToken)
                : await upstream.CallToolAsync(forwarded, cancellationToken);
        }
        catch (InputRequiredException asked)
        {
            throw await SealAsync(protector, purpose, asked.Result, cancellationToken);
        }
    }

    /// <summary>The purpose a state is sealed for: one server, method and name.</summary>
    internal static string Purpose(string server, string method, string name) => $"upstream:{server}:{method}:{name}";

    /// <summary>Our sealed state around the upstream's, and the upstream's questions as they are.</summary>
    internal static async ValueTask<InputRequiredException> SealAsync(RequestStateProtector protector, string purpose, InputRequiredResult asked, CancellationToken cancellationToken)
    {
        var data = new JsonObject { ["s"] = asked.RequestState };
        string sealedState = await protector.ProtectAsync(purpose, data, cancellationToken);
        return asked.InputRequests is { Count: > 0 } questions
            ? new InputRequiredException(questions, sealedState)
            : new InputRequiredException(new InputRequiredResult { RequestState = sealedState });
    }

    /// <summary>The upstream's state inside a retry's <paramref name="sealedState"/>, or null for a first request.</summary>
    /// <exception cref="McpProtocolException">The state is not ours, altered, for another tool or expired: -32602.</exception>
    internal static async ValueTask<string?> OpenAsync(RequestStateProtector protector, string server, string purpose, string? sealedState, CancellationToken cancellationToken)
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

        return opened.Data?["s"]?.GetValue<string>();
    }

    private static RequestStateProtector ProtectorFor(IServiceProvider? services) =>
        services?.GetService(typeof(RequestStateProtector)) as RequestStateProtector ?? RequestStateProtector.ForThisProcess;
}
