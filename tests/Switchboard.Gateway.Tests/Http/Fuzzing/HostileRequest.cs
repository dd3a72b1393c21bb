using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Switchboard.Gateway.Tests.Http.Fuzzing;

/// <summary>One hostile request of the fuzzer: what it is (for the failure message) and exactly what is sent.</summary>
public sealed record HostileRequest(string Family, string Description, byte[] Body, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    /// <summary>Headers a valid sessionless (2026-07-28) request carries; <see cref="Sessionless"/> builds them.</summary>
    public const string Revision = "2026-07-28";

    public string Method { get; init; } = "POST";

    public string Path { get; init; } = "/mcp";

    /// <summary>Whether the administrator's key is sent (the header family varies it itself).</summary>
    public bool Authenticated { get; init; } = true;

    /// <summary>A sessionless request: body, protocol version in <c>_meta</c> and headers, and the routing headers.</summary>
    public static HostileRequest Sessionless(string family, string description, string method, JsonObject? parameters, JsonNode? id)
    {
        parameters ??= [];
        if (parameters["_meta"] is null or JsonObject)
        {
            var meta = parameters["_meta"] as JsonObject ?? [];
            meta["io.modelcontextprotocol/protocolVersion"] ??= Revision;
            meta["io.modelcontextprotocol/clientCapabilities"] ??= new JsonObject();
            parameters["_meta"] = meta;
        }

        var message = new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = parameters };
        if (id is not null)
        {
            message["id"] = id;
        }

        return new HostileRequest(family, description, Encoding.UTF8.GetBytes(message.ToJsonString()), SessionlessHeaders(method, parameters));
    }

    public static List<KeyValuePair<string, string>> SessionlessHeaders(string method, JsonObject? parameters)
    {
        var headers = new List<KeyValuePair<string, string>>
        {
            new("Content-Type", "application/json"),
            new("MCP-Protocol-Version", Revision),
            new("Mcp-Method", method),
        };
        string? name = (parameters?["name"] ?? parameters?["uri"]) is JsonValue value && value.TryGetValue(out string? text) ? text : null;
        if (name is not null && name.All(c => c is >= ' ' and < (char)127))
        {
            headers.Add(new("Mcp-Name", name));
        }

        return headers;
    }

    public HttpRequestMessage ToHttpRequest(Uri baseAddress, string adminKey)
    {
        var request = new HttpRequestMessage(new HttpMethod(Method), new Uri(baseAddress, Path));
        if (Method != "GET")
        {
            request.Content = new ByteArrayContent(Body);
        }

        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        if (Authenticated)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        }

        foreach (var (name, value) in Headers)
        {
            if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, value);
            }
            else
            {
                request.Headers.Remove(name);
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return request;
    }

    public override string ToString()
    {
        string body = Encoding.UTF8.GetString(Body);
        return $"[{Family}] {Description}: {(body.Length > 160 ? body[..160] + "…" : body)}";
    }
}
