using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ModelContextProtocol;

namespace Switchboard.Gateway.Http;

/// <summary>
/// Answers a POST body that is not JSON at all with JSON-RPC's Parse error (-32700, JSON-RPC 2.0 §5.1). The SDK
/// reports every undecodable body as Invalid Request (-32600); a client deserves to know which of the two it sent.
/// Well-formed JSON, valid JSON-RPC or not, goes on to the MCP handler untouched.
/// </summary>
internal sealed class JsonRpcValidationMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            await next(context);
            return;
        }

        // The body size is capped upstream (RequestBodyLimitMiddleware), so buffering it whole is bounded.
        context.Request.EnableBuffering();
        var reader = PipeReader.Create(context.Request.Body, new StreamPipeReaderOptions(leaveOpen: true));
        ReadResult read;
        while (!(read = await reader.ReadAsync(context.RequestAborted)).IsCompleted)
        {
            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }

        string? error = FindSyntaxError(read.Buffer);
        await reader.CompleteAsync();
        context.Request.Body.Position = 0;

        if (error is not null)
        {
            await JsonRpcErrorResponse.WriteAsync(context, StatusCodes.Status400BadRequest, McpErrorCode.ParseError, $"Parse error: the request body is not valid JSON ({error}).");
            return;
        }

        await next(context);
    }

    private static string? FindSyntaxError(ReadOnlySequence<byte> body)
    {
        if (body.IsEmpty)
        {
            return "it is empty";
        }

        var json = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            while (json.Read())
            {
            }

            return null;
        }
        catch (JsonException e)
        {
            return e.Message;
        }
    }
}
