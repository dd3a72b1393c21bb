using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Switchboard.Gateway.Tests.Protocol;

/// <summary>
/// One 2026-07-28 request on the wire, as a client without an SDK sends it: the version, capabilities and client in
/// <c>_meta</c>, and the <c>MCP-Protocol-Version</c>, <c>Mcp-Method</c> and <c>Mcp-Name</c> headers.
/// </summary>
internal static class StatelessRequest
{
    public const string Revision = "2026-07-28";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>What came back: the HTTP status and the JSON-RPC response (from JSON or from the SSE stream).</summary>
    public sealed record Answer(HttpStatusCode Status, JsonElement Message)
    {
        public JsonElement Result => Message.GetProperty("result");

        public int? ErrorCode => Message.TryGetProperty("error", out var error) ? error.GetProperty("code").GetInt32() : null;
    }

    /// <summary>
    /// Sends <paramref name="method"/> with <paramref name="parameters"/>; <paramref name="headers"/> are added or, when
    /// a value is null, removed, after the standard ones.
    /// </summary>
    public static async Task<Answer> SendAsync(
        HttpClient http,
        Uri endpoint,
        string bearerToken,
        string method,
        JsonObject? parameters = null,
        IReadOnlyDictionary<string, string?>? headers = null,
        JsonObject? clientCapabilities = null)
    {
        parameters ??= [];
        parameters["_meta"] = new JsonObject
        {
            ["io.modelcontextprotocol/protocolVersion"] = Revision,
            ["io.modelcontextprotocol/clientInfo"] = new JsonObject { ["name"] = "switchboard-tests", ["version"] = "1" },
            ["io.modelcontextprotocol/clientCapabilities"] = clientCapabilities ?? new JsonObject { ["elicitation"] = new JsonObject(), ["sampling"] = new JsonObject(), ["roots"] = new JsonObject() },
        };
        var message = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 7, ["method"] = method, ["params"] = parameters };
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(message.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
        request.Headers.Add("MCP-Protocol-Version", Revision);
        request.Headers.Add("Mcp-Method", method);
        if (parameters["name"]?.GetValue<string>() is { } name)
        {
            request.Headers.Add("Mcp-Name", name);
        }

        foreach (var (header, value) in headers ?? new Dictionary<string, string?>())
        {
            request.Headers.Remove(header);
            if (value is not null)
            {
                request.Headers.TryAddWithoutValidation(header, value);
            }
        }

        using var response = await http.SendAsync(request, Ct);
        string text = await response.Content.ReadAsStringAsync(Ct);
        string json = response.Content.Headers.ContentType?.MediaType == "text/event-stream"
            ? text.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].Trim()).Last(l => l.Contains("\"id\"", StringComparison.Ordinal))
            : text;
        return new Answer(response.StatusCode, JsonDocument.Parse(json).RootElement.Clone());
    }

    /// <summary>A <c>tools/call</c>, optionally retrying with <paramref name="inputResponses"/> and <paramref name="requestState"/>.</summary>
    public static Task<Answer> CallToolAsync(
        HttpClient http,
        Uri endpoint,
        string bearerToken,
        string tool,
        JsonObject? arguments = null,
        JsonObject? inputResponses = null,
        string? requestState = null,
        IReadOnlyDictionary<string, string?>? headers = null)
    {
        var parameters = new JsonObject { ["name"] = tool, ["arguments"] = arguments ?? [] };
        if (inputResponses is not null)
        {
            parameters["inputResponses"] = inputResponses;
        }

        if (requestState is not null)
        {
            parameters["requestState"] = requestState;
        }

        return SendAsync(http, endpoint, bearerToken, "tools/call", parameters, headers);
    }

    /// <summary>An elicitation answer that accepts with <paramref name="content"/>.</summary>
    public static JsonObject Accept(JsonObject content) => new() { ["action"] = "accept", ["content"] = content };
}
