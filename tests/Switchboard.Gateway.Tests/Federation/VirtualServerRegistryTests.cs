using System.Net;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using Switchboard.Gateway.Tests.Cli;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// Virtual servers stored at run time, with <c>PUT /api/v1/virtual-servers/{name}</c> and <c>switchboard servers
/// compose</c>: checked, audited, served by another replica, changed and removed there within about a second.
/// </summary>
public sealed class VirtualServerRegistryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StoredWithApiAndCli_AnotherReplicaServesChangesAndRemovesIt_Audited()
    {
        await using var wiki = await WikiOnTwoReplicas.StartAsync();
        var (fixture, first, second) = (wiki.Fixture, wiki.First, wiki.Second);

        var (created, body) = await fixture.ApiAsync(first, HttpMethod.Put, "/virtual-servers/support", new JsonObject
        {
            ["compose"] = new JsonArray("wiki/test_simple_text", "utilities/uuid_v4"),
            ["description"] = "Support desk",
        });
        Assert.True(created == HttpStatusCode.Created, body.ToString());
        Assert.Equal("virtual", body.GetProperty("transport").GetString());

        List<string>? tools = null;
        await Poll.UntilAsync(
            async () => (tools = await ToolsAsync(second, fixture.AdminKey)) is ["utilities__uuid_v4", "wiki__test_simple_text"],
            RegistryFixture.Timeout,
            $"the other replica did not serve the virtual server's two tools: {string.Join(", ", tools ?? [])}");
        await using (var client = await ConnectAsync(second, fixture.AdminKey))
        {
            var called = await client.CallToolAsync("wiki__test_simple_text", cancellationToken: Ct);
            Assert.NotEqual(true, called.IsError);
        }

        var (badStatus, bad) = await fixture.ApiAsync(first, HttpMethod.Put, "/virtual-servers/support", new JsonObject { ["compose"] = new JsonArray("no-slash") });
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.Contains("name each tool as server/tool", bad.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await fixture.ApiAsync(first, HttpMethod.Put, "/virtual-servers/utilities", new JsonObject { ["compose"] = new JsonArray("wiki/test_simple_text") })).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await fixture.ApiAsync(first, HttpMethod.Put, "/virtual-servers/wiki", new JsonObject { ["compose"] = new JsonArray("utilities/uuid_v4") })).Status);

        var composed = await fixture.CliAsync("servers", "compose", "support", "--tool", "utilities/uuid_v4");
        Assert.True(composed.ExitCode == 0, composed.Output);
        await Poll.UntilAsync(
            async () => (tools = await ToolsAsync(second, fixture.AdminKey)) is ["utilities__uuid_v4"],
            RegistryFixture.Timeout,
            $"the other replica did not serve the changed composition: {string.Join(", ", tools ?? [])}");
        var (_, servers) = await fixture.ApiAsync(second, HttpMethod.Get, "/servers");
        var support = servers.EnumerateArray().Single(s => s.GetProperty("name").GetString() == "support");
        Assert.Equal("serving", support.GetProperty("state").GetString());
        Assert.Equal(["utilities/uuid_v4"], support.GetProperty("compose").EnumerateArray().Select(t => t.GetString()));
        var shown = await fixture.CliAsync("servers", "show", "support");
        Assert.Contains("utilities/uuid_v4", shown.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(1, (await fixture.CliAsync("servers", "edit", "support", "--description", "x")).ExitCode);

        var removed = await fixture.CliAsync("servers", "remove", "support");
        Assert.True(removed.ExitCode == 0, removed.Output);
        await Poll.UntilAsync(async () => await ToolsAsync(second, fixture.AdminKey) is null, RegistryFixture.Timeout, "the removed virtual server was still served");

        Assert.Equal(2, (await fixture.AuditAsync(first, "servers.compose")).Count);
        Assert.Single(await fixture.AuditAsync(first, "servers.remove"));
    }

    // The tools of /servers/support/mcp, sorted; null while it is not served.
    private static async Task<List<string>?> ToolsAsync(GatewayProcess gateway, string key)
    {
        try
        {
            await using var client = await ConnectAsync(gateway, key);
            return [.. (await client.ListToolsAsync(cancellationToken: Ct)).Select(t => t.Name).Order(StringComparer.Ordinal)];
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not served (404), whichever way the SDK client reports it.
            return null;
        }
    }

    private static Task<McpClient> ConnectAsync(GatewayProcess gateway, string key) =>
        McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = new Uri($"{gateway.Url}/servers/support/mcp"),
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {key}" },
            }),
            cancellationToken: Ct);
}
