using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Switchboard.Gateway.Tests.Cli;
using Switchboard.Testing;
using static Switchboard.Gateway.Tests.Workflows.RunsApi;

namespace Switchboard.Gateway.Tests.Agents;

/// <summary>
/// Custom agents end to end through the published executable: the declared output schema holds the final answer to
/// account, and an agent added through one gateway is an MCP tool on another at once (Redis, not a poll).
/// </summary>
public sealed class CustomAgentTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OutputSchema_WrongAnswerIsRetriedOnceWithTheError_AndAWrongRetryFailsTheRun()
    {
        await using var agents = await FakeLlmCluster.StartAsync(postgres: false);
        var (llm, cluster) = (agents.Llm, agents.Processes);
        var gateway = await agents.StartServeAsync();
        using var admin = Client(gateway, cluster.AdminKey);
        using (var added = await admin.PostAsJsonAsync("agents", new { source = """
            name: totaller
            instructions: Give the total as JSON.
            provider: fake
            output_schema: { type: object, required: [total], properties: { total: { type: number } } }
            """ }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        }

        await llm.ScriptAsync(new JsonObject { ["text"] = "The total is 5." }, new JsonObject { ["text"] = """{"total": 5}""" });
        var fixedUp = await RunAgentAsync(admin, "totaller", "Add 2 and 3.");

        Assert.Equal("completed", fixedUp.GetProperty("state").GetString());
        Assert.Equal(5, Step(fixedUp, "agent").GetProperty("output").GetProperty("answer").GetProperty("total").GetInt32());
        var requests = await llm.RequestsAsync();
        Assert.Equal(2, requests.Count);
        Assert.Contains("the answer is not JSON", requests[1]!["body"]!.ToJsonString(), StringComparison.Ordinal);

        await llm.ScriptAsync(new JsonObject { ["text"] = """{"total": "five"}""" }, new JsonObject { ["text"] = """{"sum": 5}""" });
        var refused = await RunAgentAsync(admin, "totaller", "Add 2 and 3.");

        Assert.Equal("failed", refused.GetProperty("state").GetString());
        string error = Step(refused, "agent").GetProperty("error").GetString()!;
        Assert.Contains("does not match the output schema", error, StringComparison.Ordinal);
        Assert.Contains("total", error, StringComparison.Ordinal);
        Assert.Contains("/total", (await llm.RequestsAsync())[1]!["body"]!.ToJsonString(), StringComparison.Ordinal); // the first error, as the model was told
    }

    [Fact]
    public async Task AgentAddedThroughOneGateway_IsListedOnASecondSharingPostgresAndRedis_WithoutAPoll()
    {
        await using var agents = await FakeLlmCluster.StartAsync(postgres: true);
        var (llm, cluster) = (agents.Llm, agents.Processes);
        string[] redis = [$"--Redis:ConnectionString={TestServices.Redis}", $"--Redis:KeyPrefix=t{Guid.NewGuid():N}:"];
        var first = await agents.StartServeAsync(redis);
        var second = await agents.StartServeAsync(redis);
        using var admin = Client(first, cluster.AdminKey);
        // Both have read the list once at start; from now on the second reads it again only every 5 minutes unless told.
        Assert.DoesNotContain("agents__late", await ToolNamesAsync(second, cluster.AdminKey));

        var added = System.Diagnostics.Stopwatch.StartNew();
        using (var response = await admin.PostAsJsonAsync("agents", new { source = "name: late\ninstructions: Arrive late.\nprovider: fake\n" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        await Poll.UntilAsync(async () => (await ToolNamesAsync(second, cluster.AdminKey)).Contains("agents__late"), TimeSpan.FromSeconds(30), "the second gateway never listed the new agent");
        TestContext.Current.SendDiagnosticMessage($"agents__late listed on the second gateway {added.ElapsedMilliseconds} ms after the add was sent");
    }

    private static async Task<List<string>> ToolNamesAsync(GatewayProcess gateway, string key)
    {
        var (_, listed) = await gateway.RequestAsync(key, "tools/list", null, Ct);
        return [.. listed!.Value.GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()!)];
    }

    private static async Task<System.Text.Json.JsonElement> RunAgentAsync(HttpClient http, string agent, string input)
    {
        using var started = await http.PostAsJsonAsync($"agents/{agent}/runs", new { input }, Ct);
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        string runId = System.Text.Json.JsonDocument.Parse(await started.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetString()!;
        return await WaitForAsync(http, runId, r => r.GetProperty("state").GetString() is "completed" or "failed", "the agent's run never finished");
    }

}
