using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using Switchboard.Access.Identity;
using Switchboard.Gateway.Tests.Cli;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// A built-in server run in its own process (<c>switchboard mcp financial --urls …</c>) and registered by URL serves
/// the same tools, with the same answers, as the same server mounted in-process; its refusals reach the caller in its
/// own words, code and data.
/// </summary>
public sealed class BuiltInServerRemoteTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly string _workingDirectory = Directory.CreateTempSubdirectory("switchboard-builtin-remote-").FullName;
    private readonly string _gatewayKey = ApiKeyFormat.Generate().Key;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_workingDirectory, recursive: true);

    [Fact]
    public async Task FinancialRegisteredByUrl_ListsAndAnswersLikeTheInProcessMount_AndItsRefusalsAreRelayedInItsWords()
    {
        string upstreamUrl = LoopbackPort.NextUrl();
        string upstreamKey = ApiKeyFormat.Generate().Key;
        string upstreamDirectory = Folder("upstream");
        using var upstream = ProcessRunner.Start(
            GatewayProcess.Executable,
            [
                "mcp", "financial", "--urls", upstreamUrl, $"--Identity:BootstrapAdminKey={upstreamKey}", $"--Storage:DataDirectory={upstreamDirectory}",
                // One call of a tool an hour: the second is the upstream's own refusal.
                "--RateLimits:Default:PerPrincipalTool:Permits=1", "--RateLimits:Default:PerPrincipalTool:Burst=1", "--RateLimits:Default:PerPrincipalTool:Period=01:00:00",
            ],
            upstreamDirectory);
        upstream.OutputDataReceived += (_, _) => { };
        upstream.ErrorDataReceived += (_, _) => { };
        upstream.BeginOutputReadLine();
        upstream.BeginErrorReadLine();
        try
        {
            await using var gateway = await GatewayProcess.StartAsync(
                [
                    $"--Identity:BootstrapAdminKey={_gatewayKey}",
                    $"--Storage:DataDirectory={Folder("gateway")}",
                    "--Servers:financial:Enabled=true",
                    $"--Servers:fin-remote:Url={upstreamUrl}/mcp",
                    $"--Servers:fin-remote:Headers:Authorization=Bearer {upstreamKey}",
                ],
                Folder("gateway"),
                Timeout);
            await using var inProcess = await ConnectAsync($"{gateway.Url}/servers/financial/mcp");
            await using var remote = await ConnectAsync($"{gateway.Url}/servers/fin-remote/mcp");

            var expected = await inProcess.ListToolsAsync(cancellationToken: Ct);
            IList<McpClientTool> served = [];
            await Poll.UntilAsync(async () => (served = await remote.ListToolsAsync(cancellationToken: Ct)).Count > 0, Timeout, "the remote financial server's tools were not listed");

            Assert.True(expected.Count > 10);
            Assert.Equal(Definitions(expected), Definitions(served));
            var arguments = new Dictionary<string, object?> { ["rate"] = 0.05 / 12, ["periods"] = 360, ["payment"] = -1000 };
            var direct = await inProcess.CallToolAsync("pv", arguments, cancellationToken: Ct);
            var forwarded = await remote.CallToolAsync("pv", arguments, cancellationToken: Ct);
            Assert.NotEqual(true, direct.IsError);
            Assert.Equal(Json(direct.Content), Json(forwarded.Content));
            Assert.Equal(Json(direct.StructuredContent), Json(forwarded.StructuredContent));

            // The SDK's client words a JSON-RPC error "Request failed (remote): …": this test's client once, for the
            // gateway's answer, which is the upstream's own message, code and data.
            var refused = await Assert.ThrowsAsync<McpProtocolException>(async () => await remote.CallToolAsync("pv", arguments, cancellationToken: Ct));
            Assert.Equal(-32029, (int)refused.ErrorCode);
            Assert.StartsWith("Request failed (remote): Rate limit", refused.Message, StringComparison.Ordinal);
            Assert.Single(refused.Message.Split("Request failed").Skip(1));
            Assert.True(refused.Data.Contains("retryAfterSeconds"), string.Join(", ", refused.Data.Keys.Cast<object>()));
        }
        finally
        {
            if (!upstream.HasExited)
            {
                upstream.Kill(entireProcessTree: true);
                upstream.WaitForExit();
            }
        }
    }

    private static List<string> Definitions(IList<McpClientTool> tools) => [.. tools.Select(t => Json(t.ProtocolTool)).Order(StringComparer.Ordinal)];

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, McpJsonUtilities.DefaultOptions);

    private Task<McpClient> ConnectAsync(string endpoint) =>
        McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = new Uri(endpoint),
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {_gatewayKey}" },
            }),
            cancellationToken: Ct);

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_workingDirectory, name)).FullName;
}
