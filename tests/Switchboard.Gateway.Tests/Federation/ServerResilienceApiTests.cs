using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Switchboard.Access.Identity;
using Switchboard.Errors;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// A stored server's resilience settings through <c>POST</c>/<c>PATCH /api/v1/servers</c>: checked with clear 400s,
/// stored, audited, and applied by another replica.
/// </summary>
public sealed class ServerResilienceApiTests
{
    private const string SlowTool = "docs__test_tool_with_progress"; // three progress steps 50 ms apart
    private const string QuickTool = "docs__test_simple_text";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ToolTimeoutSetThroughTheApi_AppliesOnAnotherReplica_AndAnEditLiftsIt()
    {
        await using var fixture = await RegistryFixture.CreateAsync(postgres: true);
        string upstreamKey = ApiKeyFormat.Generate().Key;
        string upstreamUrl = await fixture.StartEverythingAsync(upstreamKey);
        var first = await fixture.StartGatewayAsync();
        var second = await fixture.StartGatewayAsync();

        var (refused, problem) = await fixture.ApiAsync(first, HttpMethod.Post, "/servers", Server(upstreamUrl, upstreamKey, new JsonObject
        {
            ["circuitBreaker"] = new JsonObject { ["failureRatio"] = 2 },
        }));
        Assert.Equal(HttpStatusCode.BadRequest, refused);
        Assert.Contains("CircuitBreaker:FailureRatio is 2", problem.GetRawText(), StringComparison.Ordinal);

        var (created, _) = await fixture.ApiAsync(first, HttpMethod.Post, "/servers", Server(upstreamUrl, upstreamKey, new JsonObject
        {
            ["toolTimeouts"] = new JsonObject { ["test_tool_with_progress"] = "00:00:00.020" },
            ["retry"] = new JsonObject { ["maxAttempts"] = 0 },
        }));
        Assert.Equal(HttpStatusCode.Created, created);

        await Poll.UntilAsync(async () => (await fixture.ToolNamesAsync(second)).Contains(SlowTool), RegistryFixture.Timeout, $"{SlowTool} was not listed on the second replica");
        var timedOut = await second.CallToolAsync(fixture.AdminKey, SlowTool, Ct);
        Assert.Equal((int)SwitchboardErrorCodes.UpstreamTimeout, timedOut.GetProperty("error").GetProperty("code").GetInt32());
        Assert.True(IsSuccess(await second.CallToolAsync(fixture.AdminKey, QuickTool, Ct)));

        var (edited, _) = await fixture.ApiAsync(first, HttpMethod.Patch, "/servers/docs", new JsonObject
        {
            ["resilience"] = new JsonObject { ["toolTimeouts"] = new JsonObject() },
        });
        Assert.Equal(HttpStatusCode.OK, edited);
        await Poll.UntilAsync(async () => IsSuccess(await second.CallToolAsync(fixture.AdminKey, SlowTool, Ct)), RegistryFixture.Timeout, $"{SlowTool} still timed out after the edit");

        var audit = await fixture.AuditAsync(first, "servers.edit");
        Assert.Contains(audit, e => e.GetRawText().Contains("resilience", StringComparison.Ordinal));
    }

    private static JsonObject Server(string url, string key, JsonObject resilience) => new()
    {
        ["name"] = "docs",
        ["url"] = url,
        ["headers"] = new JsonObject { ["Authorization"] = $"Bearer {key}" },
        ["resilience"] = resilience,
    };

    private static bool IsSuccess(JsonElement response) =>
        response.TryGetProperty("result", out var result) && !(result.TryGetProperty("isError", out var isError) && isError.GetBoolean());
}
