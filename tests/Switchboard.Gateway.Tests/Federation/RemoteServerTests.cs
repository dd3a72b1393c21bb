using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Switchboard.Access.Identity;
using Switchboard.Errors;
using Switchboard.Gateway.Tests.Cli;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// <c>switchboard mcp everything</c> as a remote server of a <c>switchboard serve</c> gateway, once over Streamable
/// HTTP and once over stdio: its tools are listed and called through <c>/mcp</c>, a dead upstream fails fast with the
/// documented error while the other servers and readiness stay up, and it recovers when it is back.
/// </summary>
public sealed class RemoteServerTests : IDisposable
{
    private const string Tool = "remote__test_simple_text";
    private const string ToolText = "This is a simple text response for testing.";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly string _workingDirectory = Directory.CreateTempSubdirectory("switchboard-federation-").FullName;
    private readonly string _gatewayKey = ApiKeyFormat.Generate().Key;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_workingDirectory, recursive: true);

    [Fact]
    public async Task HttpUpstream_ListedAndCalled_FailsFastWhenKilled_RecoversWhenRestarted()
    {
        string upstreamUrl = LoopbackPort.NextUrl();
        // The upstream has a key of its own: the gateway must present it, never the caller's.
        string upstreamKey = ApiKeyFormat.Generate().Key;
        var upstream = await StartHttpUpstreamAsync(upstreamUrl, upstreamKey);
        try
        {
            await using var gateway = await StartGatewayAsync(
                $"--Servers:remote:Url={upstreamUrl}/mcp",
                $"--Servers:remote:Headers:Authorization=Bearer {upstreamKey}");

            await AssertServedThroughGatewayAsync(gateway);

            Stop(upstream);
            await AssertFailsFastWhileOtherServersWorkAsync(gateway);

            upstream = await StartHttpUpstreamAsync(upstreamUrl, upstreamKey);
            await Poll.UntilAsync(async () => IsText(await gateway.CallToolAsync(_gatewayKey, Tool, Ct)), Timeout, $"{Tool} did not recover after the upstream restarted");
            await AssertReadinessAsync(gateway, "Healthy");
            Assert.DoesNotContain(upstreamKey, gateway.Output, StringComparison.Ordinal);
        }
        finally
        {
            Stop(upstream);
        }
    }

    [Fact]
    public async Task StdioUpstream_ListedAndCalled_IsStartedAgainWhenKilled()
    {
        await using var gateway = await StartGatewayAsync(
            $"--Servers:remote:Command={GatewayProcess.Executable}",
            "--Servers:remote:Args:0=mcp",
            "--Servers:remote:Args:1=everything",
            "--Servers:remote:Args:2=--stdio",
            $"--Servers:remote:WorkingDirectory={_workingDirectory}");

        await AssertServedThroughGatewayAsync(gateway);
        int child = Assert.Single(UpstreamProcesses(gateway.ProcessId));

        using (var process = Process.GetProcessById(child))
        {
            await ProcessRunner.KillAsync(process);
        }

        // The next call starts the process again: at once if the gateway already saw it exit, otherwise after this
        // call fails with the documented error.
        var next = await gateway.CallToolAsync(_gatewayKey, Tool, Ct);
        if (!IsText(next))
        {
            AssertUpstreamError(next, SwitchboardErrorCodes.UpstreamUnavailable);
        }

        await Poll.UntilAsync(async () => IsText(await gateway.CallToolAsync(_gatewayKey, Tool, Ct)), Timeout, $"{Tool} did not recover after its process was killed");
        Assert.True(IsText(await gateway.CallToolAsync(_gatewayKey, "utilities__uuid_v4", Ct), text: null));
        Assert.NotEqual(child, Assert.Single(UpstreamProcesses(gateway.ProcessId)));
    }

    [Fact]
    public async Task HttpUpstream_Paused_TimesOutWithTheDocumentedError_OthersUnaffected()
    {
        string upstreamUrl = LoopbackPort.NextUrl();
        string upstreamKey = ApiKeyFormat.Generate().Key;
        var upstream = await StartHttpUpstreamAsync(upstreamUrl, upstreamKey);
        try
        {
            await using var gateway = await StartGatewayAsync(
                $"--Servers:remote:Url={upstreamUrl}/mcp",
                $"--Servers:remote:Headers:Authorization=Bearer {upstreamKey}",
                "--Servers:remote:Timeout=00:00:02");
            await AssertServedThroughGatewayAsync(gateway);

            // SIGSTOP: the upstream keeps its port open and accepts connections but answers nothing.
            await SignalAsync(upstream, "STOP");
            // Polled, not taken from the first call: once (in CI, under load) a call right after the signal was
            // still answered. Every call must end within the bound, and the paused upstream must time out.
            JsonElement slow = default;
            var elapsed = TimeSpan.Zero;
            await Poll.UntilAsync(
                async () =>
                {
                    var stopwatch = Stopwatch.StartNew();
                    slow = await gateway.CallToolAsync(_gatewayKey, Tool, Ct);
                    elapsed = stopwatch.Elapsed;
                    return slow.TryGetProperty("error", out _);
                },
                Timeout,
                $"{Tool} never timed out while its upstream was paused");
            var other = await gateway.CallToolAsync(_gatewayKey, "utilities__uuid_v4", Ct);
            await SignalAsync(upstream, "CONT");

            AssertUpstreamError(slow, SwitchboardErrorCodes.UpstreamTimeout);
            Assert.Equal("timeout", slow.GetProperty("error").GetProperty("data").GetProperty("reason").GetString());
            Assert.InRange(elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(20));
            Assert.True(IsText(other, text: null));
            await Poll.UntilAsync(async () => IsText(await gateway.CallToolAsync(_gatewayKey, Tool, Ct)), Timeout, $"{Tool} did not recover after the upstream resumed");
        }
        finally
        {
            Stop(upstream);
        }
    }

    [Fact]
    public async Task UnreachableUpstream_GatewayStartsReady_AndReportsItDegraded()
    {
        await using var gateway = await StartGatewayAsync($"--Servers:remote:Url={LoopbackPort.NextUrl()}/mcp");

        var report = await AssertReadinessAsync(gateway, "Degraded");
        Assert.Contains("'remote' not connected (unreachable)", report.GetProperty("checks").GetProperty("upstreams").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.True(IsText(await gateway.CallToolAsync(_gatewayKey, "utilities__uuid_v4", Ct), text: null));
    }

    private async Task AssertServedThroughGatewayAsync(GatewayProcess gateway)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri($"{gateway.Url}/mcp"),
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {_gatewayKey}" },
        });
        await using var client = await McpClient.CreateAsync(transport, cancellationToken: Ct);

        // The gateway connects its upstreams in the background; their tools appear once they answer.
        IList<McpClientTool> tools = [];
        await Poll.UntilAsync(async () => (tools = await client.ListToolsAsync(cancellationToken: Ct)).Any(t => t.Name == Tool), Timeout, $"{Tool} was not listed");
        var result = await client.CallToolAsync(Tool, cancellationToken: Ct);
        // The upstream's own tool error comes back as a result the model can read, not as an upstream failure.
        var toolError = await client.CallToolAsync("remote__test_error_handling", cancellationToken: Ct);

        Assert.Contains(tools, t => t.Name == "utilities__uuid_v4");
        Assert.Equal(ToolText, Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.True(toolError.IsError);
    }

    private async Task AssertFailsFastWhileOtherServersWorkAsync(GatewayProcess gateway)
    {
        // Failures count against the circuit (MinimumThroughput 2), which then refuses at once with retryAfterSeconds.
        var first = await gateway.CallToolAsync(_gatewayKey, Tool, Ct);
        AssertUpstreamError(first, SwitchboardErrorCodes.UpstreamUnavailable);
        JsonElement refused = default;
        await Poll.UntilAsync(
            async () => (refused = await gateway.CallToolAsync(_gatewayKey, Tool, Ct)).GetProperty("error").GetProperty("data").GetProperty("reason").GetString() == "circuit-open",
            Timeout,
            "the circuit did not open");
        Assert.True(refused.GetProperty("error").GetProperty("data").GetProperty("retryAfterSeconds").GetInt32() >= 1);
        AssertUpstreamError(refused, SwitchboardErrorCodes.UpstreamUnavailable);

        Assert.True(IsText(await gateway.CallToolAsync(_gatewayKey, "utilities__uuid_v4", Ct), text: null), "another server's tool failed while the upstream was down");
        var report = await AssertReadinessAsync(gateway, "Degraded");
        Assert.Contains("'remote' circuit open", report.GetProperty("checks").GetProperty("upstreams").GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    private static void AssertUpstreamError(JsonElement response, ModelContextProtocol.McpErrorCode code)
    {
        Assert.True(response.TryGetProperty("error", out var error), response.ToString());
        Assert.Equal((int)code, error.GetProperty("code").GetInt32());
        Assert.Equal("remote", error.GetProperty("data").GetProperty("server").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("data").GetProperty("reason").GetString()));
    }

    private static async Task<JsonElement> AssertReadinessAsync(GatewayProcess gateway, string upstreamsStatus)
    {
        var (status, report) = await gateway.TryGetReadinessAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(upstreamsStatus, report!.Value.GetProperty("checks").GetProperty("upstreams").GetProperty("status").GetString());
        return report.Value;
    }

    private static bool IsText(JsonElement response, string? text = ToolText) =>
        response.TryGetProperty("result", out var result)
        && !(result.TryGetProperty("isError", out var isError) && isError.GetBoolean())
        && (text is null || result.GetProperty("content")[0].GetProperty("text").GetString() == text);

    private Task<GatewayProcess> StartGatewayAsync(params string[] flags)
    {
        string directory = Directory.CreateDirectory(Path.Combine(_workingDirectory, "gateway")).FullName;
        return GatewayProcess.StartAsync(
            [
                $"--Identity:BootstrapAdminKey={_gatewayKey}",
                $"--Storage:DataDirectory={directory}",
                "--Servers:utilities:Enabled=true",
                "--Servers:remote:Timeout=00:00:10",
                "--Servers:remote:ReconnectInterval=00:00:00.500",
                "--Servers:remote:CircuitBreaker:MinimumThroughput=2",
                "--Servers:remote:CircuitBreaker:BreakDuration=00:00:01",
                .. flags,
            ],
            directory,
            Timeout);
    }

    private Task<Process> StartHttpUpstreamAsync(string url, string key) =>
        EverythingUpstream.StartAsync(url, key, Directory.CreateDirectory(Path.Combine(_workingDirectory, "upstream")).FullName, Timeout);

    private static Task SignalAsync(Process process, string signal) => ProcessRunner.SignalAsync(process, signal, Ct);

    private static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process.Dispose();
    }

    // The upstream processes: the gateway's children, or their children where a parent-death guard started them.
    private static int[] UpstreamProcesses(int gateway) =>
        [.. ChildProcesses(gateway).SelectMany(child => File.ReadAllText($"/proc/{child}/cmdline").Split('\0').Contains("stdio-guard") ? ChildProcesses(child) : [child])];

    private static int[] ChildProcesses(int parent) =>
        [.. Directory.GetDirectories($"/proc/{parent}/task")
            .SelectMany(thread => File.ReadAllText(Path.Combine(thread, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(int.Parse)];
}
