using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Switchboard.Monitoring.Tests;

/// <summary>One kind of request the traffic mixes: who calls which tool.</summary>
/// <param name="Name">How the report names it.</param>
/// <param name="ApiKey">The bearer credential (a wrong one for failed authentications).</param>
/// <param name="Tool">The tool, as <c>/mcp</c> exposes it.</param>
/// <param name="AsTask">Declare the tasks extension, so that a tool with task support answers with a queued task (docs/queue.md).</param>
/// <param name="Arguments">The tool's arguments as JSON; null sends <c>{"text": "call-N"}</c>.</param>
internal sealed record RequestKind(string Name, string ApiKey, string Tool, bool AsTask = false, string? Arguments = null);

/// <summary>
/// A few callers looping over sessionless (2026-07-28) <c>tools/call</c> requests of several kinds, so that every
/// series the dashboards show gets data: calls that succeed in-process and through the federated upstream, calls the
/// policy denies, calls over a rate limit, failed authentications, tool calls queued as tasks. Outcomes are counted by kind and answer.
/// </summary>
internal sealed class Traffic : IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly ConcurrentDictionary<string, int> _answers = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _callers;
    private long _sent;

    public Traffic(Uri endpoint, IReadOnlyList<RequestKind> kinds, int callers = 3)
    {
        _callers = [.. Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            for (int i = caller; !_stop.IsCancellationRequested; i++)
            {
                var kind = kinds[i % kinds.Count];
                long id = Interlocked.Increment(ref _sent);
                string answer = await SendAsync(endpoint, kind, id);
                _answers.AddOrUpdate($"{kind.Name}: {answer}", 1, (_, n) => n + 1);
                // A steady, modest rate: this runs beside other suites on two shared cores.
                await Task.Delay(TimeSpan.FromMilliseconds(20), CancellationToken.None);
            }
        }))];
    }

    /// <summary>How many requests were sent so far.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>"kind: answer" → count, for the report.</summary>
    public IReadOnlyDictionary<string, int> Answers => new SortedDictionary<string, int>(_answers, StringComparer.Ordinal);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_callers);
        _stop.Dispose();
        _http.Dispose();
    }

    private async Task<string> SendAsync(Uri endpoint, RequestKind kind, long id)
    {
        var parameters = new JsonObject
        {
            ["name"] = kind.Tool,
            ["arguments"] = kind.Arguments is { } arguments ? JsonNode.Parse(arguments) : new JsonObject { ["text"] = $"call-{id}" },
            ["_meta"] = new JsonObject
            {
                ["io.modelcontextprotocol/protocolVersion"] = "2026-07-28",
                ["io.modelcontextprotocol/clientCapabilities"] = kind.AsTask
                    ? new JsonObject { ["extensions"] = new JsonObject { ["io.modelcontextprotocol/tasks"] = new JsonObject() } }
                    : new JsonObject(),
            },
        };
        string body = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = "tools/call", ["params"] = parameters }.ToJsonString();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", kind.ApiKey);
        request.Headers.Add("MCP-Protocol-Version", "2026-07-28");
        request.Headers.Add("Mcp-Method", "tools/call");
        request.Headers.Add("Mcp-Name", kind.Tool);
        try
        {
            using var response = await _http.SendAsync(request, CancellationToken.None);
            string text = await response.Content.ReadAsStringAsync(CancellationToken.None);
            if (!response.IsSuccessStatusCode)
            {
                return $"HTTP {(int)response.StatusCode}";
            }

            string json = response.Content.Headers.ContentType?.MediaType == "text/event-stream"
                ? string.Concat(text.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].Trim()))
                : text;
            using var message = JsonDocument.Parse(json);
            var root = message.RootElement;
            if (root.TryGetProperty("error", out var error))
            {
                return $"error {error.GetProperty("code").GetInt32()}";
            }

            var result = root.GetProperty("result");
            return result.TryGetProperty("resultType", out var type) && type.GetString() == "task" ? "task queued"
                : result.TryGetProperty("isError", out var isError) && isError.ValueKind == JsonValueKind.True ? "tool error" : "ok";
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or KeyNotFoundException or TaskCanceledException)
        {
            return e.GetType().Name;
        }
    }
}
