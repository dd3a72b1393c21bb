using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
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
    /// <summary>Writes <paramref name="statusCode"/> and the error <paramref name="code"/> with <paramref name="message"/>
    /// to <paramref name="context"/>'s response; <paramref name="id"/> is the request's id as raw JSON when it could be
    /// read (empty writes null); <paramref name="data"/> is the error's <c>data</c>, if it has any.</summary>
    public static async Task WriteAsync(HttpContext context, int statusCode, McpErrorCode code, string message, ReadOnlyMemory<byte> id = default, JsonNode? data = null)
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

        // An id that is unknown (the body was not read, or could not be) is null (JSON-RPC 2.0 §5).
        await using var writer = new Utf8JsonWriter(context.Response.Body, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        writer.WriteStartObject();
        writer.WriteString("jsonrpc", "2.0");
        if (id.IsEmpty)
        {
            writer.WriteNull("id");
        }
        else
        {
            writer.WritePropertyName("id");
            writer.WriteRawValue(id.Span, skipInputValidation: true); // a string or number token the check has read
        }

        writer.WriteStartObject("error");
        writer.WriteNumber("code", (int)code);
        writer.WriteString("message", message);
        if (data is not null)
        {
            writer.WritePropertyName("data");
            data.WriteTo(writer);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }
}
