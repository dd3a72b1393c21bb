// The floor (issue 18): the least a server can do for a tools/call over HTTP on this machine. It checks a bearer
// header, reads and parses the JSON-RPC body, and answers tools/call with a fresh UUID, on bare Kestrel (no routing,
// no logging on the path). bench/load.sh measures it in the same run as the gateway, so every report states the
// gateway's share of the floor on the same cores.
//
// It is also a minimal remote MCP server (Streamable HTTP, no sessions), so the gateway can federate it as an upstream
// and the harness can measure the remote hop: initialize, notifications (202), ping, tools/list (one tool, "uuid")
// and tools/call. Anything else is a JSON-RPC "method not found".
//
//   Switchboard.Floor --urls http://127.0.0.1:18095 --key sbk_...
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxConcurrentConnections = null);
var app = builder.Build();

byte[] expected = Encoding.ASCII.GetBytes("Bearer " + (app.Configuration["key"] ?? throw new InvalidOperationException("Pass --key: the bearer token callers must send.")));

app.Run(async context =>
{
    var request = context.Request;
    var response = context.Response;
    if (!HttpMethods.IsPost(request.Method))
    {
        response.StatusCode = StatusCodes.Status405MethodNotAllowed;
        return;
    }

    if (!Authorized(request.Headers.Authorization.ToString(), expected))
    {
        response.StatusCode = StatusCodes.Status401Unauthorized;
        return;
    }

    var body = await request.BodyReader.ReadAllAsync(context.RequestAborted);
    bool parsed = JsonRpcRequest.TryParse(body, out var call);
    request.BodyReader.AdvanceTo(body.End);
    if (!parsed)
    {
        response.StatusCode = StatusCodes.Status400BadRequest;
        return;
    }

    if (call.Id.ValueKind == JsonValueKind.Undefined)
    {
        response.StatusCode = StatusCodes.Status202Accepted; // a notification
        return;
    }

    response.ContentType = "application/json";
    using var json = new Utf8JsonWriter(response.BodyWriter);
    json.WriteStartObject();
    json.WriteString("jsonrpc", "2.0");
    json.WritePropertyName("id");
    call.Id.WriteTo(json);
    switch (call.Method)
    {
        case "tools/call":
            json.WriteStartObject("result");
            json.WriteStartArray("content");
            json.WriteStartObject();
            json.WriteString("type", "text");
            json.WriteString("text", Guid.NewGuid().ToString());
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteBoolean("isError", false);
            json.WriteEndObject();
            break;
        case "tools/list":
            json.WriteStartObject("result");
            json.WriteStartArray("tools");
            json.WriteStartObject();
            json.WriteString("name", "uuid");
            json.WriteString("description", "A fresh random UUID.");
            json.WriteStartObject("inputSchema");
            json.WriteString("type", "object");
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            break;
        case "initialize":
            json.WriteStartObject("result");
            json.WriteString("protocolVersion", call.ProtocolVersion ?? "2025-11-25");
            json.WriteStartObject("capabilities");
            json.WriteStartObject("tools");
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteStartObject("serverInfo");
            json.WriteString("name", "floor");
            json.WriteString("version", "1.0.0");
            json.WriteEndObject();
            json.WriteEndObject();
            break;
        case "ping":
            json.WriteStartObject("result");
            json.WriteEndObject();
            break;
        default:
            json.WriteStartObject("error");
            json.WriteNumber("code", -32601);
            json.WriteString("message", "Method not found");
            json.WriteEndObject();
            break;
    }

    json.WriteEndObject();
    await json.FlushAsync(context.RequestAborted);
});

app.Run();

static bool Authorized(string header, byte[] expected)
{
    Span<byte> actual = stackalloc byte[256];
    return header.Length == expected.Length && header.Length <= actual.Length
        && Encoding.ASCII.GetBytes(header, actual) == expected.Length
        && CryptographicOperations.FixedTimeEquals(actual[..expected.Length], expected);
}

/// <summary>What the floor needs of a JSON-RPC request: its id (kept as JSON), method, and initialize's protocol version.</summary>
internal readonly record struct JsonRpcRequest(JsonElement Id, string? Method, string? ProtocolVersion)
{
    public static bool TryParse(System.Buffers.ReadOnlySequence<byte> body, out JsonRpcRequest request)
    {
        request = default;
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("method", out var method) || method.ValueKind != JsonValueKind.String)
            {
                return false;
            }

            string? version = root.TryGetProperty("params", out var parameters) && parameters.ValueKind == JsonValueKind.Object
                && parameters.TryGetProperty("protocolVersion", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            request = new JsonRpcRequest(root.TryGetProperty("id", out var id) ? id.Clone() : default, method.GetString(), version);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}

internal static class PipeReaderExtensions
{
    private const long MaxBody = 1024 * 1024;

    /// <summary>The whole request body, up to 1 MiB, as one sequence (valid until the next read).</summary>
    public static async Task<System.Buffers.ReadOnlySequence<byte>> ReadAllAsync(this System.IO.Pipelines.PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            if (result.IsCompleted || result.Buffer.Length > MaxBody)
            {
                return result.Buffer;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }
}
