using System.Net;
using System.Text.Json.Nodes;
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
}
