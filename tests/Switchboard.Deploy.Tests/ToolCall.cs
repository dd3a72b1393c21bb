using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Switchboard.Deploy.Tests;

/// <summary>
/// One sessionless (protocol 2026-07-28) <c>tools/call</c> of <c>utilities__slugify</c>, whose answer is its own
/// argument: a unique text per call shows that the answer belongs to the request, and, with
/// <c>Audit:CaptureArguments</c>, finds the call's event in the audit trail.
/// </summary>
internal static class ToolCall
{
    public const string Tool = "utilities__slugify";

    /// <summary>The text call number <paramref name="id"/> sends, already a slug.</summary>
    public static string TextFor(long id) => $"call-{id}";

    /// <summary>Sends the call to <paramref name="endpoint"/> (an <c>/mcp</c> URL); returns null on success, else why it failed.</summary>
    public static async Task<string?> SendAsync(HttpClient http, Uri endpoint, string apiKey, long id, CancellationToken cancellationToken)
    {
        var parameters = new JsonObject
        {
            ["name"] = Tool,
            ["arguments"] = new JsonObject { ["text"] = TextFor(id) },
            // 2026-07-28 is sessionless: each request names its protocol version (and repeats method and tool in headers).
            ["_meta"] = new JsonObject
            {
                ["io.modelcontextprotocol/protocolVersion"] = "2026-07-28",
                ["io.modelcontextprotocol/clientCapabilities"] = new JsonObject(),
            },
        };
        string body = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = "tools/call", ["params"] = parameters }.ToJsonString();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        request.Headers.Add("MCP-Protocol-Version", "2026-07-28");
        request.Headers.Add("Mcp-Method", "tools/call");
        request.Headers.Add("Mcp-Name", Tool);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            string text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return $"HTTP {(int)response.StatusCode}: {Shorten(text)}";
            }

            // One JSON-RPC message, as JSON or as the data of an SSE event.
            string json = response.Content.Headers.ContentType?.MediaType == "text/event-stream"
                ? string.Concat(text.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].Trim()))
                : text;
            using var message = JsonDocument.Parse(json);
            var root = message.RootElement;
            if (!root.TryGetProperty("result", out var result))
            {
                return $"JSON-RPC error: {Shorten(json)}";
            }

            bool isError = result.TryGetProperty("isError", out var flag) && flag.ValueKind == JsonValueKind.True;
            string? answer = result.GetProperty("content")[0].GetProperty("text").GetString();
            return !isError && answer == TextFor(id) ? null : $"unexpected result: {Shorten(json)}";
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or KeyNotFoundException or IndexOutOfRangeException
                                      || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
