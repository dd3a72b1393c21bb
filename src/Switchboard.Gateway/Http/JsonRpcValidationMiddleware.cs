using System.Buffers;
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
    private const int UnknownLengthCapacity = 16 * 1024;

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

        var (buffer, length) = await ReadBodyAsync(context.Request, context.RequestAborted);
        try
        {
            var body = buffer.AsMemory(0, length);
            var check = JsonRpcMessageCheck.Check(body.Span);
            string? error = check.IsValid ? SessionRules.Refusal(context.Request, sessions, check.Method) : check.Error;
            if (error is not null)
            {
                var code = check.Code ?? McpErrorCode.InvalidRequest;
                string prefix = code == McpErrorCode.ParseError ? "Parse error" : "Invalid request";
                await JsonRpcErrorResponse.WriteAsync(context, StatusCodes.Status400BadRequest, code, $"{prefix}: {error}.", body[check.Id]);
                return;
            }

            context.Request.Body = new MemoryStream(buffer, 0, length, writable: false);
            await next(context);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // The whole body, into pooled memory. Kestrel enforces the size limit as it streams (RequestBodyLimitMiddleware
    // set it), so the buffer never grows past Gateway:MaxRequestBodyBytes.
    private static async Task<(byte[] Buffer, int Length)> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)(request.ContentLength ?? UnknownLengthCapacity) + 1);
        int length = 0;
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
            {
                length += read;
                if (length == buffer.Length)
                {
                    byte[] larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
            }

            return (buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }
}

/// <summary>Marks the MCP endpoints, whose requests <see cref="JsonRpcValidationMiddleware"/> checks.</summary>
internal sealed class McpEndpointMetadata
{
    public static readonly McpEndpointMetadata Instance = new();
}
