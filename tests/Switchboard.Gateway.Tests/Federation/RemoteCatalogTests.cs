using System.Diagnostics;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Switchboard.Access.Identity;
using Switchboard.Gateway.Tests.Cli;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// An upstream's prompts, resources and resource templates through the gateway, as the upstream itself serves them:
/// <c>switchboard mcp everything</c> over Streamable HTTP, and the reference server-everything over the legacy
/// HTTP+SSE transport, selected explicitly and detected automatically.
/// </summary>
public sealed class RemoteCatalogTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly string _workingDirectory = Directory.CreateTempSubdirectory("switchboard-catalog-").FullName;
    private readonly string _gatewayKey = ApiKeyFormat.Generate().Key;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_workingDirectory, recursive: true);

    [Fact]
    public async Task HttpUpstream_PromptsResourcesAndTemplates_ServedAsTheUpstreamServesThem()
    {
        string upstreamUrl = LoopbackPort.NextUrl();
        string upstreamKey = ApiKeyFormat.Generate().Key;
        var upstream = await EverythingUpstream.StartAsync(upstreamUrl, upstreamKey, Folder("upstream"), Timeout);
        try
        {
            await using var gateway = await StartGatewayAsync(
                $"--Servers:remote:Url={upstreamUrl}/mcp",
                $"--Servers:remote:Headers:Authorization=Bearer {upstreamKey}");
            await using var direct = await ConnectAsync($"{upstreamUrl}/mcp", upstreamKey);
            await using var aggregated = await ConnectAsync($"{gateway.Url}/mcp", _gatewayKey);
            await using var single = await ConnectAsync($"{gateway.Url}/servers/remote/mcp", _gatewayKey);

            await Poll.UntilAsync(
                async () => (await aggregated.ListPromptsAsync(cancellationToken: Ct)).Any(p => p.Name == "remote__test_simple_prompt"),
                Timeout,
                "the upstream's prompts were not listed on /mcp");

            // Its own endpoint lists exactly what the upstream lists; /mcp the same prompts, prefixed like tools.
            var upstreamPrompts = Names(await direct.ListPromptsAsync(cancellationToken: Ct), p => p.Name);
            Assert.Equal(upstreamPrompts, Names(await single.ListPromptsAsync(cancellationToken: Ct), p => p.Name));
            Assert.Equal(upstreamPrompts.Select(p => $"remote__{p}"), Names(await aggregated.ListPromptsAsync(cancellationToken: Ct), p => p.Name).Where(p => p.StartsWith("remote__", StringComparison.Ordinal)));
            var upstreamResources = Names(await direct.ListResourcesAsync(cancellationToken: Ct), r => r.Uri);
            Assert.NotEmpty(upstreamResources);
            Assert.Equal(upstreamResources, Names(await single.ListResourcesAsync(cancellationToken: Ct), r => r.Uri));
            Assert.Equal(upstreamResources, Names(await aggregated.ListResourcesAsync(cancellationToken: Ct), r => r.Uri).Where(upstreamResources.Contains));
            var upstreamTemplates = Names(await direct.ListResourceTemplatesAsync(cancellationToken: Ct), t => t.UriTemplate);
            Assert.Contains("test://template/{id}/data", upstreamTemplates);
            Assert.Equal(upstreamTemplates, Names(await single.ListResourceTemplatesAsync(cancellationToken: Ct), t => t.UriTemplate));

            // prompts/get and resources/read (a direct resource, and a URI that only a template matches) are forwarded.
            var arguments = new Dictionary<string, object?> { ["arg1"] = "alpha", ["arg2"] = "beta" };
            var expectedPrompt = await direct.GetPromptAsync("test_prompt_with_arguments", arguments, cancellationToken: Ct);
            Assert.Equal(Json(expectedPrompt.Messages), Json((await aggregated.GetPromptAsync("remote__test_prompt_with_arguments", arguments, cancellationToken: Ct)).Messages));
            Assert.Equal(Json(expectedPrompt.Messages), Json((await single.GetPromptAsync("test_prompt_with_arguments", arguments, cancellationToken: Ct)).Messages));
            foreach (string uri in (string[])["test://static-text", "test://template/42/data"])
            {
                var expected = await direct.ReadResourceAsync(uri, cancellationToken: Ct);
                Assert.Equal(Json(expected.Contents), Json((await aggregated.ReadResourceAsync(uri, cancellationToken: Ct)).Contents));
                Assert.Equal(Json(expected.Contents), Json((await single.ReadResourceAsync(uri, cancellationToken: Ct)).Contents));
            }

            // A URI that no upstream serves is refused by the gateway, not sent anywhere.
            await Assert.ThrowsAsync<McpProtocolException>(async () => await aggregated.ReadResourceAsync("test://nothing/here", cancellationToken: Ct));
        }
        finally
        {
            Stop(upstream);
        }
    }

    [Fact]
    public async Task LegacySseUpstream_ToolsPromptsAndResources_ServedWhetherSelectedOrDetected()
    {
        int port = LoopbackPort.Next();
        var upstream = await LegacySseUpstream.StartAsync(port, Timeout);
        try
        {
            // The same legacy server twice: named as SSE, and left to detection (Streamable HTTP is refused with 404).
            await using var gateway = await StartGatewayAsync(
                $"--Servers:legacy:Url=http://127.0.0.1:{port}/sse",
                "--Servers:legacy:HttpTransport=Sse",
                $"--Servers:detected:Url=http://127.0.0.1:{port}/sse",
                "--Servers:detected:HttpTransport=Auto");
            await using var client = await ConnectAsync($"{gateway.Url}/mcp", _gatewayKey);

            foreach (string server in (string[])["legacy", "detected"])
            {
                await Poll.UntilAsync(
                    async () => (await client.ListToolsAsync(cancellationToken: Ct)).Any(t => t.Name == $"{server}__echo"),
                    Timeout,
                    $"{server}__echo was not listed:{Environment.NewLine}{gateway.Output}");
                var echoed = await client.CallToolAsync($"{server}__echo", new Dictionary<string, object?> { ["message"] = "over SSE" }, cancellationToken: Ct);
                Assert.Contains("over SSE", Assert.IsType<TextContentBlock>(Assert.Single(echoed.Content)).Text, StringComparison.Ordinal);

                var prompts = await client.ListPromptsAsync(cancellationToken: Ct);
                Assert.Contains(prompts, p => p.Name == $"{server}__simple-prompt");
                var prompt = await client.GetPromptAsync($"{server}__simple-prompt", cancellationToken: Ct);
                Assert.NotEmpty(prompt.Messages);
            }

            var resources = await client.ListResourcesAsync(cancellationToken: Ct);
            var resource = Assert.IsType<TextResourceContents>((await client.ReadResourceAsync(resources.First(r => r.Uri.StartsWith("demo://", StringComparison.Ordinal)).Uri, cancellationToken: Ct)).Contents[0]);
            Assert.False(string.IsNullOrEmpty(resource.Text));
        }
        finally
        {
            Stop(upstream);
        }
    }

    [Fact]
    public async Task RenamedAndHiddenTools_ServedUnderTheNewName_HiddenOnesNeitherListedNorCalled()
    {
        string upstreamUrl = LoopbackPort.NextUrl();
        string upstreamKey = ApiKeyFormat.Generate().Key;
        var upstream = await EverythingUpstream.StartAsync(upstreamUrl, upstreamKey, Folder("upstream"), Timeout);
        try
        {
            await using var gateway = await StartGatewayAsync(
                $"--Servers:remote:Url={upstreamUrl}/mcp",
                $"--Servers:remote:Headers:Authorization=Bearer {upstreamKey}",
                "--Servers:remote:Tools:Rename:test_simple_text=say_hello",
                "--Servers:remote:Tools:Hide:0=test_error_handling");
            await using var client = await ConnectAsync($"{gateway.Url}/mcp", _gatewayKey);
            await using var single = await ConnectAsync($"{gateway.Url}/servers/remote/mcp", _gatewayKey);

            IList<McpClientTool> tools = [];
            await Poll.UntilAsync(async () => (tools = await client.ListToolsAsync(cancellationToken: Ct)).Any(t => t.Name == "remote__say_hello"), Timeout, "the renamed tool was not listed");
            var called = await client.CallToolAsync("remote__say_hello", cancellationToken: Ct);
            var ownEndpointTools = await single.ListToolsAsync(cancellationToken: Ct);

            Assert.Equal("This is a simple text response for testing.", Assert.IsType<TextContentBlock>(Assert.Single(called.Content)).Text);
            Assert.DoesNotContain(tools, t => t.Name is "remote__test_simple_text" or "remote__test_error_handling");
            Assert.Contains(ownEndpointTools, t => t.Name == "say_hello");
            Assert.DoesNotContain(ownEndpointTools, t => t.Name is "test_simple_text" or "test_error_handling");
            foreach (string gone in (string[])["remote__test_simple_text", "remote__test_error_handling"])
            {
                var refused = await gateway.CallToolAsync(_gatewayKey, gone, Ct);
                Assert.True(refused.TryGetProperty("error", out _) || refused.GetProperty("result").GetProperty("isError").GetBoolean(), $"{gone} was called: {refused}");
            }
        }
        finally
        {
            Stop(upstream);
        }
    }

    private static List<string> Names<T>(IEnumerable<T> entries, Func<T, string> name) => [.. entries.Select(name).Order(StringComparer.Ordinal)];

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, McpJsonUtilities.DefaultOptions);

    private static Task<McpClient> ConnectAsync(string endpoint, string key) =>
        McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = new Uri(endpoint),
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {key}" },
            }),
            cancellationToken: Ct);

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_workingDirectory, name)).FullName;

    private Task<GatewayProcess> StartGatewayAsync(params string[] flags) =>
        GatewayProcess.StartAsync(
            [
                $"--Identity:BootstrapAdminKey={_gatewayKey}",
                $"--Storage:DataDirectory={Folder("gateway")}",
                "--Servers:utilities:Enabled=true",
                .. flags,
            ],
            Folder("gateway"),
            Timeout);

    private static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process.Dispose();
    }
}
