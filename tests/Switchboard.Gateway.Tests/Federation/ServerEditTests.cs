using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Switchboard.Access.Identity;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// A stored registration changed in place, with <c>PATCH /api/v1/servers/{name}</c> and <c>switchboard servers edit</c>:
/// what is given replaces, the rest (its credentials too) is kept, another replica serves the change, and it is audited
/// without secrets.
/// </summary>
public sealed class ServerEditTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EditedWithApiAndCli_AnotherReplicaServesTheChange_CredentialsKept_Audited()
    {
        await using var wiki = await WikiOnTwoReplicas.StartAsync();
        var (fixture, first, second, upstreamKey) = (wiki.Fixture, wiki.First, wiki.Second, wiki.UpstreamKey);
        await Poll.UntilAsync(async () => (await fixture.ToolNamesAsync(second)).Contains("wiki__test_simple_text"), RegistryFixture.Timeout, "the added server was not served");

        var (status, edited) = await fixture.ApiAsync(first, HttpMethod.Patch, "/servers/wiki", new JsonObject
        {
            ["description"] = "Edited",
            ["tools"] = new JsonObject { ["rename"] = new JsonObject { ["test_simple_text"] = "say_hello" }, ["hide"] = new JsonArray("test_error_handling") },
        });

        Assert.True(status == HttpStatusCode.OK, edited.ToString());
        Assert.Equal("Edited", edited.GetProperty("description").GetString());
        Assert.Equal("***", edited.GetProperty("headers").GetProperty("Authorization").GetString());
        await Poll.UntilAsync(
            async () => await fixture.ToolNamesAsync(second) is var tools && tools.Contains("wiki__say_hello") && !tools.Contains("wiki__test_simple_text") && !tools.Contains("wiki__test_error_handling"),
            RegistryFixture.Timeout,
            "the other replica did not serve the renamed and hidden tools");
        // Reaching the upstream still works: its stored Authorization header was kept, not cleared by the edit.
        var called = await second.CallToolAsync(fixture.AdminKey, "wiki__say_hello", Ct);
        Assert.Equal("This is a simple text response for testing.", called.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());

        var disabled = await fixture.CliAsync("servers", "edit", "wiki", "--enabled", "false");
        Assert.True(disabled.ExitCode == 0, disabled.Output);
        await Poll.UntilAsync(async () => !(await fixture.ToolNamesAsync(first)).Any(t => t.StartsWith("wiki__", StringComparison.Ordinal)), RegistryFixture.Timeout, "a disabled server was still served");

        Assert.Equal(1, (await fixture.CliAsync("servers", "edit", "nothing-here", "--description", "x")).ExitCode);
        Assert.Equal(1, (await fixture.CliAsync("servers", "edit", "wiki")).ExitCode);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.ApiAsync(first, HttpMethod.Patch, "/servers/nothing-here", new JsonObject { ["description"] = "x" })).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await fixture.ApiAsync(first, HttpMethod.Patch, "/servers/utilities", new JsonObject { ["description"] = "x" })).Status);
        var (badStatus, bad) = await fixture.ApiAsync(first, HttpMethod.Patch, "/servers/wiki", new JsonObject { ["url"] = "ftp://wiki.internal/mcp" });
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.Contains("Url must be an absolute http:// or https:// URL", bad.ToString(), StringComparison.Ordinal);

        var audit = await fixture.AuditAsync(first, "servers.edit");
        Assert.Equal(2, audit.Count);
        Assert.Contains(audit, e => e.ToString().Contains("tools", StringComparison.Ordinal) && e.ToString().Contains("description", StringComparison.Ordinal));
        Assert.DoesNotContain(audit, e => e.ToString().Contains(upstreamKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task EditedWhileCalled_NoCallFindsItsToolUnknown_AndTheCallInFlightIsAnswered()
    {
        await using var fixture = await RegistryFixture.CreateAsync(postgres: false);
        string upstreamKey = ApiKeyFormat.Generate().Key;
        // Calls back to back, as fast as one caller makes them: neither the gateway's per-caller limits nor the
        // upstream's (a Switchboard too) may answer them.
        var unlimited = new Dictionary<string, string>
        {
            ["RateLimits__Default__PerPrincipal__Permits"] = "1000000",
            ["RateLimits__Default__PerPrincipal__Burst"] = "1000000",
            ["RateLimits__Default__PerPrincipalTool__Permits"] = "1000000",
            ["RateLimits__Default__PerPrincipalTool__Burst"] = "1000000",
        };
        string upstreamUrl = await fixture.StartEverythingAsync(upstreamKey, unlimited);
        var gateway = await fixture.StartGatewayAsync([.. unlimited.Select(setting => $"--{setting.Key.Replace("__", ":", StringComparison.Ordinal)}={setting.Value}")]);
        await fixture.AddServedAsync(gateway, "docs", upstreamUrl, upstreamKey, "slow_compute");

        // A call that is still running upstream when the edit lands, and calls made one after another throughout it.
        var inFlight = gateway.RequestAsync(fixture.AdminKey, "tools/call", new JsonObject
        {
            ["name"] = "docs__slow_compute",
            ["arguments"] = new JsonObject { ["seconds"] = 10, ["label"] = "in flight" },
        }, Ct);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var answers = new List<JsonElement>();
        var calling = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                answers.Add(await gateway.CallToolAsync(fixture.AdminKey, "docs__test_simple_text", Ct));
            }
        }, Ct);

        var edited = await fixture.CliAsync("servers", "edit", "docs", "--max-calls", "32");
        Assert.True(edited.ExitCode == 0, edited.Output);
        await gateway.WaitForOutputAsync("Replaced the registered server", RegistryFixture.Timeout);
        Assert.False(inFlight.IsCompleted, "the call meant to be in flight ended before the edit landed");
        await Task.Delay(TimeSpan.FromMilliseconds(500), Ct);
        await stop.CancelAsync();
        await calling;

        Assert.NotEmpty(answers);
        Assert.All(answers, answer => Assert.True(answer.TryGetProperty("result", out _), answer.ToString()));
        var (status, message) = await inFlight;
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Computed in flight after 10 s.", message!.Value.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
    }
}
