using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using Switchboard.Gateway.Api;

namespace Switchboard.Gateway.Http;

/// <summary>
/// Writes a JSON-RPC error for a request the gateway refuses before it reaches the MCP handler, so that clients
/// see the same error shape whatever refused them; admin API clients get RFC 9457 problem details instead.
/// </summary>
internal static class JsonRpcErrorResponse
{
    public static async Task WriteAsync(HttpContext context, int statusCode, McpErrorCode code, string message)
    {
        context.Response.StatusCode = statusCode;
        if (context.Request.Path.StartsWithSegments(AdminApi.Prefix, StringComparison.OrdinalIgnoreCase))
        {
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = { Status = statusCode, Detail = message },
            });
            return;
        }

        context.Response.ContentType = "application/json";

        // The request id is unknown (the body was not read, or could not be), which JSON-RPC 2.0 §5 spells as null.
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteString("jsonrpc", "2.0");
        writer.WriteNull("id");
        writer.WriteStartObject("error");
        writer.WriteNumber("code", (int)code);
        writer.WriteString("message", message);
        writer.WriteEndObject();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }
}
