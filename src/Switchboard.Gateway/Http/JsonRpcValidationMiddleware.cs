using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Switchboard.Access;
using Switchboard.Access.Identity;
using Switchboard.Errors;
using Switchboard.JsonRpc;
using Switchboard.Policy;

namespace Switchboard.Gateway.Http;

/// <summary>
/// Refuses, with a JSON-RPC error in Switchboard's own words, an MCP request the SDK would refuse in its words (or
/// fail on): a body that is not one valid JSON-RPC message (<see cref="JsonRpcMessageCheck"/>), or a request that
/// does not fit the session mode (<see cref="SessionRules"/>). For 2026-07-28 it also refuses a version the gateway
/// does not speak, listing the ones <c>server/discover</c> lists, and <c>Mcp-Param-*</c> headers that do not match the
/// body (<see cref="McpParamHeaderCheck"/>). Runs after authentication, so an anonymous caller
/// learns nothing about parsing, and holds the body in memory only: it is capped by
/// <see cref="RequestBodyLimitMiddleware"/>, and the container's root filesystem is read-only. A request it lets
/// through goes to <see cref="SessionlessFastPath"/>, which serves the common sessionless ones on pooled servers
/// from the body held here, and otherwise on to the SDK.
/// </summary>
internal sealed class JsonRpcValidationMiddleware(RequestDelegate next, IOptionsMonitor<GatewayOptions> options, SessionlessFastPath fastPath, OpenSessions openSessions, StandingStreams standingStreams)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<McpEndpointMetadata>() is null)
        {
            await next(context);
            return;
        }

        var sessions = options.CurrentValue.Sessions;
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            if (SessionRules.Refusal(context.Request, sessions, method: null) is { } refusal)
            {
                await JsonRpcErrorResponse.WriteAsync(context, StatusCodes.Status400BadRequest, McpErrorCode.InvalidRequest, refusal);
            }
            else if (HttpMethods.IsDelete(context.Request.Method) && IsUnknownSession(context.Request, sessions))
            {
                // As the SDK answers any other request of a session it does not know (it answers a DELETE 200).
                await JsonRpcErrorResponse.WriteAsync(context, StatusCodes.Status404NotFound, SessionNotFound, "Session not found: it has ended, or was never opened on this server.");
            }
            else if (HttpMethods.IsGet(context.Request.Method))
            {
                await standingStreams.ServeAsync(context, next);
            }
            else
            {
                await next(context);
            }

            return;
        }

        if (!JsonRequestBody.HasJsonContentType(context.Request))
        {
            await JsonRequestBody.RefuseMediaTypeAsync(context);
            return;
        }

        using var buffer = await JsonRequestBody.ReadAsync(context.Request, context.RequestAborted);
        var body = buffer.Content;
        var check = JsonRpcMessageCheck.Check(body.Span);
        if (check.IsValid && SessionRules.UnsupportedSessionlessVersion(context.Request) is { } requested)
        {
            var data = new UnsupportedProtocolVersionErrorData { Supported = [.. SessionRules.SessionlessRevisions], Requested = requested };
            await JsonRpcErrorResponse.WriteAsync(
                context,
                StatusCodes.Status400BadRequest,
                McpErrorCode.UnsupportedProtocolVersion,
                $"Unsupported protocol version '{requested}': without a session this server speaks {string.Join(", ", data.Supported)}.",
                body[check.Id],
                JsonSerializer.SerializeToNode(data, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(UnsupportedProtocolVersionErrorData))));
            return;
        }

        var (code, error) = check.IsValid ? Refusal(context, sessions, check.Method, body.Span) : (check.Code!.Value, check.Error);
        if (error is not null)
        {
            await JsonRpcErrorResponse.WriteAsync(context, StatusCodes.Status400BadRequest, code, JsonRpcMessageCheck.ErrorMessage(code, error), body[check.Id]);
            return;
        }

        if (check.Method == "initialize" && SessionCapReached(context, sessions) is { } capped)
        {
            await JsonRpcErrorResponse.WriteAsync(context, StatusCodes.Status429TooManyRequests, SwitchboardErrorCodes.RateLimited, capped, body[check.Id]);
            return;
        }

        if (!await fastPath.TryServeAsync(context, check.Method, body))
        {
            context.Request.Body = buffer.AsStream();
            await next(context);
        }
    }

    // The SDK's code for a request of a session it does not know.
    private const McpErrorCode SessionNotFound = (McpErrorCode)(-32001);

    // Whether a DELETE names a session that is not open here. A 2026-07-28 client has no sessions: the SDK refuses its
    // DELETE (405).
    private bool IsUnknownSession(HttpRequest request, GatewaySessionMode sessions) =>
        sessions != GatewaySessionMode.Stateless && !SessionRules.IsSessionlessRevision(request)
            && request.Headers["Mcp-Session-Id"].ToString() is { Length: > 0 } id && !openSessions.IsOpen(id);

    private static (McpErrorCode Code, string? Error) Refusal(HttpContext context, GatewaySessionMode sessions, string? method, ReadOnlySpan<byte> body) =>
        SessionRules.Refusal(context.Request, sessions, method) is { } refusal ? (McpErrorCode.InvalidRequest, refusal)
        : JsonRpcMessageCheck.ParamsProblem(method, body, SessionRules.IsSessionlessRevision(context.Request)) is { } problem ? (McpErrorCode.InvalidParams, problem)
        : method == "tools/call" && SessionRules.IsSessionlessRevision(context.Request) && ParamHeaderMismatch(context, body) is { } mismatch
            ? (McpErrorCode.HeaderMismatch, mismatch)
        : (default, null);

    // An initialize opens a session; a principal holding Gateway:MaxSessionsPerPrincipal of them is refused until one
    // ends. Concurrent initializes of one principal can pass together: the cap is exceeded by at most those in flight.
    // Without authentication every caller is the same anonymous principal, and no cap applies.
    private string? SessionCapReached(HttpContext context, GatewaySessionMode sessions)
    {
        int cap = options.CurrentValue.MaxSessionsPerPrincipal;
        return sessions != GatewaySessionMode.Stateless && context.User.PrincipalId() is { } principal && openSessions.OpenBy(principal) >= cap
            ? $"You hold {cap} open sessions on this gateway, the most one principal may (Gateway:MaxSessionsPerPrincipal): end one you no longer use (DELETE with its Mcp-Session-Id), or wait for idle ones to expire, then initialize again."
            : null;
    }

    private static string? ParamHeaderMismatch(HttpContext context, ReadOnlySpan<byte> body)
    {
        var view = GatewayServiceCollectionExtensions.ResolveView(context);
        var guard = context.RequestServices.GetRequiredService<AccessGuard>();
        var principal = context.User.ToAccessPrincipal();
        return McpParamHeaderCheck.Mismatch(
            context.Request.Headers,
            body,
            view.Tools,
            tool => guard.Allows(principal, Actions.CallTool, view.TryResolveName(tool, out var server, out var name) ? $"{server}/{name}" : tool));
    }
}

/// <summary>Marks the MCP endpoints, whose requests <see cref="JsonRpcValidationMiddleware"/> checks.</summary>
internal sealed class McpEndpointMetadata
{
    public static readonly McpEndpointMetadata Instance = new();
}
