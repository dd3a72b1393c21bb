using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Switchboard.Gateway.Tests.Cli;

namespace Switchboard.Gateway.Tests.Tasks;

/// <summary>
/// <c>notifications/tasks</c> on a <c>subscriptions/listen</c> stream (SEP-2663 over SEP-2575), against the published
/// executable: the task's change of state reaches the client from whichever process ran it.
/// </summary>
public sealed class TaskStatusNotificationTests
{
    private static readonly TimeSpan StreamTimeout = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Listen_TaskRunByAnotherProcesssWorker_NotifiesItsCompletion_AndGrantsOnlyOwnTasks()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: true);
        var gateway = await cluster.StartServeAsync("--Queue:InProcessWorker=false");
        await cluster.StartWorkerAsync();
        string taskId = await TaskProcesses.StartSlowComputeAsync(gateway, cluster.AdminKey, 3, "notified");

        var messages = await ListenAsync(gateway, cluster.AdminKey, [taskId, "no-such-task"], declareTasks: true);

        var acknowledged = messages[0];
        Assert.Equal("notifications/subscriptions/acknowledged", acknowledged["method"]!.GetValue<string>());
        Assert.Equal([taskId], acknowledged["params"]!["notifications"]!["taskIds"]!.AsArray().Select(id => id!.GetValue<string>()));
        var notified = messages.Where(m => m["method"]?.GetValue<string>() == "notifications/tasks").ToList();
        var completed = Assert.Single(notified, n => n["params"]!["status"]!.GetValue<string>() == "completed");
        Assert.Equal(taskId, completed["params"]!["taskId"]!.GetValue<string>());
        Assert.Contains("notified", completed["params"]!["result"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(ListenId, completed["params"]!["_meta"]!["io.modelcontextprotocol/subscriptionId"]!.GetValue<int>());
        Assert.All(notified, n => Assert.Equal(taskId, n["params"]!["taskId"]!.GetValue<string>()));

        // The stream ends with the listen's own result once every listened task has finished.
        Assert.Equal(ListenId, messages[^1]["id"]!.GetValue<int>());
        Assert.NotNull(messages[^1]["result"]);
    }

    [Fact]
    public async Task Listen_ForTasks_WithoutTheExtension_IsMissingRequiredClientCapability()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: false);
        var gateway = await cluster.StartServeAsync();
        string taskId = await TaskProcesses.StartSlowComputeAsync(gateway, cluster.AdminKey, 0, "done");

        var messages = await ListenAsync(gateway, cluster.AdminKey, [taskId], declareTasks: false);

        var error = Assert.Single(messages)["error"]!;
        Assert.Equal(-32021, error["code"]!.GetValue<int>());
        Assert.NotNull(error["data"]!["requiredCapabilities"]!["extensions"]!["io.modelcontextprotocol/tasks"]);
    }

    private const int ListenId = 7;

    // Reads the listen's event stream to its end: every JSON-RPC message on it, in order.
    private static async Task<List<JsonNode>> ListenAsync(GatewayProcess gateway, string key, string[] taskIds, bool declareTasks)
    {
        var meta = new JsonObject
        {
            ["io.modelcontextprotocol/protocolVersion"] = "2026-07-28",
            ["io.modelcontextprotocol/clientCapabilities"] = declareTasks
                ? new JsonObject { ["extensions"] = new JsonObject { ["io.modelcontextprotocol/tasks"] = new JsonObject() } }
                : new JsonObject(),
        };
        var body = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = ListenId,
            ["method"] = "subscriptions/listen",
            ["params"] = new JsonObject { ["notifications"] = new JsonObject { ["taskIds"] = new JsonArray([.. taskIds.Select(id => JsonValue.Create(id))]) }, ["_meta"] = meta },
        };
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{gateway.Url}/mcp")) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Add("MCP-Protocol-Version", "2026-07-28");
        request.Headers.Add("Mcp-Method", "subscriptions/listen");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(StreamTimeout);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        // 200 with the stream, or the status the SDK maps a refusal's code to (-32021: 400), with the error on the stream.
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(deadline.Token));
        var messages = new List<JsonNode>();
        while (await reader.ReadLineAsync(deadline.Token) is { } line)
        {
            if (line.StartsWith("data:", StringComparison.Ordinal) && line.Length > "data:".Length && JsonNode.Parse(line["data:".Length..]) is { } message)
            {
                messages.Add(message);
            }
        }

        return messages;
    }
}
