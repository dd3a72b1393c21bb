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

    [Fact]
    public async Task ResilienceOptionsOfTheCli_AreApplied_AnEditKeepsTheOthers_AndABadValueNamesTheSetting()
    {
        await using var fixture = await RegistryFixture.CreateAsync(postgres: false);
        string upstreamKey = ApiKeyFormat.Generate().Key;
        string upstreamUrl = await fixture.StartEverythingAsync(upstreamKey);
        var gateway = await fixture.StartGatewayAsync();

        var refused = await fixture.CliAsync("servers", "add", "docs", "--url", upstreamUrl, "--breaker-failure-ratio", "2");
        Assert.True(refused.ExitCode != 0, refused.Output);
        Assert.Contains("CircuitBreaker:FailureRatio is 2", refused.Output, StringComparison.Ordinal);

        var added = await fixture.CliAsync(
            "servers", "add", "docs", "--url", upstreamUrl, "--header", $"Authorization=Bearer {upstreamKey}",
            "--tool-timeout", "test_tool_with_progress=00:00:00.020", "--retry-attempts", "0");
        Assert.True(added.ExitCode == 0, added.Output);
        await Poll.UntilAsync(async () => (await fixture.ToolNamesAsync(gateway)).Contains(SlowTool), RegistryFixture.Timeout, $"{SlowTool} was not listed");
        var timedOut = await gateway.CallToolAsync(fixture.AdminKey, SlowTool, Ct);
        Assert.Equal((int)SwitchboardErrorCodes.UpstreamTimeout, timedOut.GetProperty("error").GetProperty("code").GetInt32());

        // Another setting changed: the stored tool timeout stays.
        var edited = await fixture.CliAsync("servers", "edit", "docs", "--max-calls", "32", "--health-interval", "00:00:05");
        Assert.True(edited.ExitCode == 0, edited.Output);
        Assert.Contains("resilience", edited.Output, StringComparison.Ordinal);
        var badEdit = await fixture.CliAsync("servers", "edit", "docs", "--retry-attempts", "11");
        Assert.True(badEdit.ExitCode != 0, badEdit.Output);
        Assert.Contains("Retry:MaxAttempts", badEdit.Output, StringComparison.Ordinal);
        var audit = await fixture.AuditAsync(gateway, "servers.edit");
        Assert.Single(audit);
        Assert.Equal((int)SwitchboardErrorCodes.UpstreamTimeout, (await gateway.CallToolAsync(fixture.AdminKey, SlowTool, Ct)).GetProperty("error").GetProperty("code").GetInt32());

        var lifted = await fixture.CliAsync("servers", "edit", "docs", "--tool-timeout", "test_tool_with_progress=00:00:30");
        Assert.True(lifted.ExitCode == 0, lifted.Output);
        await Poll.UntilAsync(async () => IsSuccess(await gateway.CallToolAsync(fixture.AdminKey, SlowTool, Ct)), RegistryFixture.Timeout, $"{SlowTool} still timed out after the edit");
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
