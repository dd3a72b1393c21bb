using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Switchboard.Access.Identity;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Cli;

/// <summary>
/// <c>switchboard serve</c> stopped by SIGTERM, as Kubernetes, Docker and systemd stop it (issue 13): readiness fails
/// first, it keeps serving for <c>Shutdown:NotReadyDelay</c>, stops accepting, finishes what is in flight, exits 0.
/// </summary>
public sealed class GracefulShutdownTests : IDisposable
{
    // Long enough for what the first test does inside it on a loaded machine (see readiness failing, read the report,
    // make a call); a short delay would fail that test for the machine's speed, not for the gateway's behaviour.
    private static readonly TimeSpan NotReadyDelay = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly string _workingDirectory = Directory.CreateTempSubdirectory("switchboard-shutdown-").FullName;
    private readonly string _key = ApiKeyFormat.Generate().Key;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_workingDirectory, recursive: true);

    [Fact]
    public async Task Sigterm_FailsReadinessFirst_ServesThroughTheDelay_FinishesTheRequestInFlight_ExitsZero()
    {
        await using var gateway = await StartAsync("--Shutdown:DrainTimeout=00:00:30");
        await gateway.CallToolAsync(_key, "utilities__uuid_v4", Ct); // warm
        using var client = new HttpClient { Timeout = Timeout };
        // A request in flight when the listener closes: its headers and the start of its body are sent, the rest
        // trickles (JSON allows the padding) until the test lets it finish.
        var body = new TricklingToolCall("utilities__uuid_v4");
        var inFlight = client.SendAsync(ToolCallRequest(gateway, body), Ct);
        await body.Started.WaitAsync(Timeout, Ct);

        var stopwatch = Stopwatch.StartNew();
        await gateway.SignalAsync("TERM");

        // Readiness fails first, while the gateway still serves: within the delay, as the call below must be too.
        await Poll.UntilAsync(async () => (await gateway.TryGetReadinessAsync(Ct)).Status == HttpStatusCode.ServiceUnavailable, NotReadyDelay, "Readiness did not fail within Shutdown:NotReadyDelay");
        var (_, report) = await gateway.TryGetReadinessAsync(Ct);
        var served = await gateway.CallToolAsync(_key, "utilities__uuid_v4", Ct);
        await Poll.UntilAsync(() => !Accepts(gateway.Port), Timeout, "It never stopped accepting connections");
        var stoppedAcceptingAfter = stopwatch.Elapsed;
        body.Finish();
        using var finished = await inFlight;
        string answer = await finished.Content.ReadAsStringAsync(Ct);
        int exitCode = await gateway.WaitForExitAsync(Timeout);

        Assert.Equal("Unhealthy", report!.Value.GetProperty("checks").GetProperty("shutdown").GetProperty("status").GetString());
        Assert.True(served.TryGetProperty("result", out _), $"A call during the not-ready delay failed: {served}{Environment.NewLine}{gateway.Output}");
        Assert.True(stoppedAcceptingAfter >= NotReadyDelay, $"It stopped accepting after {stoppedAcceptingAfter}, before Shutdown:NotReadyDelay ({NotReadyDelay}).");
        Assert.True(finished.StatusCode == HttpStatusCode.OK && answer.Contains("\"result\"", StringComparison.Ordinal), $"The request in flight got {(int)finished.StatusCode}: {answer}{Environment.NewLine}{gateway.Output}");
        Assert.True(exitCode == 0, $"Exit code {exitCode}.{Environment.NewLine}{gateway.Output}");
    }

    [Fact]
    public async Task Sigterm_ARequestOutlastingTheDrainTimeout_IsCutOff_AndTheProcessStillExitsZeroInTime()
    {
        var drainTimeout = TimeSpan.FromSeconds(2);
        await using var gateway = await StartAsync($"--Shutdown:DrainTimeout={drainTimeout:c}");
        using var client = new HttpClient { Timeout = Timeout };
        var body = new TricklingToolCall("utilities__uuid_v4"); // never finished
        var inFlight = client.SendAsync(ToolCallRequest(gateway, body), Ct);
        await body.Started.WaitAsync(Timeout, Ct);

        var stopwatch = Stopwatch.StartNew();
        await gateway.SignalAsync("TERM");
        int exitCode = await gateway.WaitForExitAsync(Timeout);
        var stoppedAfter = stopwatch.Elapsed;
        body.Finish();

        Assert.True(exitCode == 0, $"Exit code {exitCode}.{Environment.NewLine}{gateway.Output}");
        Assert.True(stoppedAfter >= NotReadyDelay + drainTimeout - TimeSpan.FromMilliseconds(100), $"It exited after {stoppedAfter}, before the drain timeout ran out.");
        Assert.True(stoppedAfter < NotReadyDelay + drainTimeout + TimeSpan.FromSeconds(10), $"It took {stoppedAfter} to exit; the limit is Shutdown:NotReadyDelay + DrainTimeout.");
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => inFlight);
    }

    [Fact]
    public async Task Sigint_SkipsTheNotReadyDelay()
    {
        await using var gateway = await StartAsync("--Shutdown:NotReadyDelay=00:01:00");

        var stopwatch = Stopwatch.StartNew();
        await gateway.SignalAsync("INT");
        int exitCode = await gateway.WaitForExitAsync(Timeout);

        Assert.True(exitCode == 0, $"Exit code {exitCode}.{Environment.NewLine}{gateway.Output}");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), $"Ctrl+C took {stopwatch.Elapsed} to stop the gateway.");
    }

    private Task<GatewayProcess> StartAsync(params string[] flags) => GatewayProcess.StartAsync(
        [$"--Identity:BootstrapAdminKey={_key}", $"--Storage:DataDirectory={_workingDirectory}", $"--Shutdown:NotReadyDelay={NotReadyDelay:c}", "--Storage:MigrateOnStart=true", .. flags],
        _workingDirectory,
        Timeout);

    private HttpRequestMessage ToolCallRequest(GatewayProcess gateway, HttpContent body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{gateway.Url}/mcp")) { Content = body };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _key);
        return request;
    }

    private static bool Accepts(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// A <c>tools/call</c> body sent slowly: the opening at once, then spaces fast enough for Kestrel's minimum
    /// request data rate, and the closing brace only after <see cref="Finish"/>.
    /// </summary>
    private sealed class TricklingToolCall : HttpContent
    {
        private readonly string _tool;
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _finish = new();

        public TricklingToolCall(string tool)
        {
            _tool = tool;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        public Task Started => _started.Task;

        public void Finish() => _finish.Cancel();

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":""" + $"\"{_tool}\"" + ""","arguments":{}}"""));
            await stream.FlushAsync();
            _started.TrySetResult();
            var padding = Encoding.UTF8.GetBytes(new string(' ', 64));
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
            while (!_finish.IsCancellationRequested)
            {
                await stream.WriteAsync(padding);
                await stream.FlushAsync();
                await timer.WaitForNextTickAsync();
            }

            await stream.WriteAsync("}"u8.ToArray());
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _finish.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
