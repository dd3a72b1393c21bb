using ModelContextProtocol;
using ModelContextProtocol.Client;
using Switchboard.Access.Identity;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// A virtual server (<c>Servers:{name}:Compose</c>) serves selected tools of built-in and remote servers as one
/// <c>/servers/{name}/mcp</c>, and policy decides on the underlying server's tool: a caller sees and calls through it only
/// what it may call directly, and a permission on the virtual server's own name grants nothing.
/// </summary>
public sealed class VirtualServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ComposedTools_ServedTogether_PolicyAppliesToTheUnderlyingTools_NeverWidened()
    {
        await using var fixture = await RegistryFixture.CreateAsync(postgres: false);
        string upstreamKey = ApiKeyFormat.Generate().Key;
        string upstreamUrl = await fixture.StartEverythingAsync(upstreamKey);
        Assert.Equal(0, (await fixture.CliAsync("roles", "set", "ids-only", "--permission", "tools:call utilities/uuid_*")).ExitCode);
        Assert.Equal(0, (await fixture.CliAsync("roles", "set", "combo-only", "--permission", "tools:call combo/*")).ExitCode);
        string idsKey = (await fixture.CliAsync("keys", "create", "--name", "ids", "--role", "ids-only")).StandardOutput.Trim();
        string comboKey = (await fixture.CliAsync("keys", "create", "--name", "combo", "--role", "combo-only")).StandardOutput.Trim();
        var gateway = await fixture.StartGatewayAsync(
            "--Servers:financial:Enabled=true",
            $"--Servers:remote:Url={upstreamUrl}",
            $"--Servers:remote:Headers:Authorization=Bearer {upstreamKey}",
            "--Servers:combo:Compose:0=utilities/uuid_v4",
            "--Servers:combo:Compose:1=financial/pv",
            "--Servers:combo:Compose:2=remote/test_simple_text");
        string endpoint = $"{gateway.Url}/servers/combo/mcp";

        await using var admin = await ConnectAsync(endpoint, fixture.AdminKey);
        IList<McpClientTool> all = [];
        await Poll.UntilAsync(async () => (all = await admin.ListToolsAsync(cancellationToken: Ct)).Count == 3, RegistryFixture.Timeout, "the virtual server did not list its three tools");
        var remoteCall = await admin.CallToolAsync("remote__test_simple_text", cancellationToken: Ct);

        Assert.Equal(["financial__pv", "remote__test_simple_text", "utilities__uuid_v4"], all.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.NotEqual(true, remoteCall.IsError);
        // A tool of a composed server that the virtual server does not select is not there.
        await Assert.ThrowsAsync<McpProtocolException>(async () => await admin.CallToolAsync("utilities__uuid_v7", cancellationToken: Ct));

        await using var ids = await ConnectAsync(endpoint, idsKey);
        Assert.Equal(["utilities__uuid_v4"], (await ids.ListToolsAsync(cancellationToken: Ct)).Select(t => t.Name));
        Assert.NotEqual(true, (await ids.CallToolAsync("utilities__uuid_v4", cancellationToken: Ct)).IsError);
        await Assert.ThrowsAsync<McpProtocolException>(async () => await ids.CallToolAsync("financial__pv", new Dictionary<string, object?> { ["rate"] = 0.01, ["periods"] = 12, ["payment"] = -100 }, cancellationToken: Ct));

        // tools:call combo/* names the virtual server, not any tool: it grants nothing.
        await using var combo = await ConnectAsync(endpoint, comboKey);
        Assert.Empty(await combo.ListToolsAsync(cancellationToken: Ct));
        await Assert.ThrowsAsync<McpProtocolException>(async () => await combo.CallToolAsync("utilities__uuid_v4", cancellationToken: Ct));
    }

    private static Task<McpClient> ConnectAsync(string endpoint, string key) =>
        McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = new Uri(endpoint),
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {key}" },
            }),
            cancellationToken: Ct);
}
