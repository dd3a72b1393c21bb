using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using ModelContextProtocol;

namespace Switchboard.Gateway.Http;

/// <summary>
/// Refuses, with a JSON-RPC error in Switchboard's own words, an MCP request the SDK would refuse in its words (or
/// fail on): a body that is not one valid JSON-RPC message (<see cref="JsonRpcMessageCheck"/>), or a request that
/// does not fit the session mode (<see cref="SessionRules"/>). Runs after authentication, so an anonymous caller
/// learns nothing about parsing, and holds the body in memory only: it is capped by
/// <see cref="RequestBodyLimitMiddleware"/>, and the container's root filesystem is read-only.
/// </summary>
internal sealed class JsonRpcValidationMiddleware(RequestDelegate next, IOptionsMonitor<GatewayOptions> options)
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
                return;
            }

            await next(context);
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
        var (code, error) = check.IsValid ? Refusal(context.Request, sessions, check.Method, body.Span) : (check.Code!.Value, check.Error);
        if (error is not null)
        {
            string prefix = code switch { McpErrorCode.ParseError => "Parse error", McpErrorCode.InvalidParams => "Invalid params", _ => "Invalid request" };
            await JsonRpcErrorResponse.WriteAsync(context, StatusCodes.Status400BadRequest, code, $"{prefix}: {error}.", body[check.Id]);
            return;
        }

        context.Request.Body = buffer.AsStream();
        await next(context);
    }

    private static (McpErrorCode Code, string? Error) Refusal(HttpRequest request, GatewaySessionMode sessions, string? method, ReadOnlySpan<byte> body) =>
        SessionRules.Refusal(request, sessions, method) is { } refusal ? (McpErrorCode.InvalidRequest, refusal)
        : method == "initialize" && JsonRpcMessageCheck.InitializeProblem(body) is { } problem ? (McpErrorCode.InvalidParams, problem)
        : (default, null);
}

/// <summary>Marks the MCP endpoints, whose requests <see cref="JsonRpcValidationMiddleware"/> checks.</summary>
internal sealed class McpEndpointMetadata
{
    public static readonly McpEndpointMetadata Instance = new();
}
