using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Switchboard.Access.Identity;
using Switchboard.Errors;
using Switchboard.Gateway.Tests.Cli;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// The published gateway fronting two <c>switchboard mcp everything</c> processes over HTTP, under steady load: one
/// is killed with SIGKILL and started again. The measured times are written to the test output; what is asserted is
/// the behaviour.
/// </summary>
public sealed class UpstreamFaultTests : IDisposable
{
    private const string DoomedTool = "doomed__test_simple_text";
    private static readonly string[] OtherTools = ["steady__test_simple_text", "utilities__uuid_v4"];
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    // The upstreams are Switchboard too, and the gateway is one caller of theirs: their rate limits are lifted as well.
    private static readonly Dictionary<string, string> UnlimitedCaller = new()
    {
        ["SWITCHBOARD__RateLimits__Default__PerPrincipal__Permits"] = "1000000",
        ["SWITCHBOARD__RateLimits__Default__PerPrincipal__Burst"] = "1000000",
        ["SWITCHBOARD__RateLimits__Default__PerPrincipalTool__Permits"] = "1000000",
        ["SWITCHBOARD__RateLimits__Default__PerPrincipalTool__Burst"] = "1000000",
    };

    private readonly string _directory = Directory.CreateTempSubdirectory("switchboard-fault-").FullName;
    private readonly string _gatewayKey = ApiKeyFormat.Generate().Key;
    private readonly string _upstreamKey = ApiKeyFormat.Generate().Key;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task UpstreamKilledUnderLoad_OthersNeverFail_ItsCallsFailFastOnceTheCircuitOpens_ItRecoversByItself()
    {
        string doomedUrl = LoopbackPort.NextUrl();
        string steadyUrl = LoopbackPort.NextUrl();
        var doomed = await StartUpstreamAsync(doomedUrl, "doomed");
        using var steady = await StartUpstreamAsync(steadyUrl, "steady");
        try
        {
            string gatewayDirectory = Directory.CreateDirectory(Path.Combine(_directory, "gateway")).FullName;
            await using var gateway = await GatewayProcess.StartAsync(
                [
                    $"--Identity:BootstrapAdminKey={_gatewayKey}",
                    $"--Storage:DataDirectory={gatewayDirectory}",
                    "--Servers:utilities:Enabled=true",
                    // The load is one caller: lift its own rate limits, which would refuse it long before any upstream is busy.
                    "--RateLimits:Default:PerPrincipal:Permits=1000000",
                    "--RateLimits:Default:PerPrincipal:Burst=1000000",
                    "--RateLimits:Default:PerPrincipalTool:Permits=1000000",
                    "--RateLimits:Default:PerPrincipalTool:Burst=1000000",
                    .. Upstream("doomed", doomedUrl),
                    .. Upstream("steady", steadyUrl),
                ],
                gatewayDirectory,
                Patience);
            foreach (string tool in (string[])[DoomedTool, .. OtherTools])
            {
                await Poll.UntilAsync(async () => IsSuccess(await gateway.CallToolAsync(_gatewayKey, tool, Ct)), Patience, $"{tool} was not served");
            }

            // Steady load on the other servers for the whole fault.
            var latencies = new ConcurrentBag<double>();
            var failures = new ConcurrentBag<string>();
            using var stopLoad = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            var load = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
            {
                for (int i = 0; !stopLoad.IsCancellationRequested; i++)
                {
                    string tool = OtherTools[(worker + i) % OtherTools.Length];
                    var stopwatch = Stopwatch.StartNew();
                    var response = await gateway.CallToolAsync(_gatewayKey, tool, CancellationToken.None);
                    latencies.Add(stopwatch.Elapsed.TotalMilliseconds);
                    if (!IsSuccess(response))
                    {
                        failures.Add($"{tool}: {response}");
                    }
                }
            }, CancellationToken.None)).ToArray();

            var killedAt = Stopwatch.StartNew();
            await ProcessRunner.KillAsync(doomed); // SIGKILL
            doomed.Dispose();
            JsonElement refused = default;
            await Poll.UntilAsync(async () => Reason(refused = await gateway.CallToolAsync(_gatewayKey, DoomedTool, Ct)) == "circuit-open", Patience, "the circuit did not open");
            var breakerOpenAfter = killedAt.Elapsed;
            var failFast = Stopwatch.StartNew();
            var refusedAgain = await gateway.CallToolAsync(_gatewayKey, DoomedTool, Ct);
            var failFastTime = failFast.Elapsed;

            doomed = await StartUpstreamAsync(doomedUrl, "doomed");
            var restartedAt = Stopwatch.StartNew();
            await Poll.UntilAsync(async () => IsSuccess(await gateway.CallToolAsync(_gatewayKey, DoomedTool, Ct)), Patience, $"{DoomedTool} did not recover after its upstream restarted");
            var recoveredAfter = restartedAt.Elapsed;
            await stopLoad.CancelAsync();
            await Task.WhenAll(load);

            double[] sorted = [.. latencies.Order()];
            TestContext.Current.SendDiagnosticMessage(
                $"breaker open {breakerOpenAfter.TotalMilliseconds:F0} ms after SIGKILL; refused call {failFastTime.TotalMilliseconds:F1} ms; " +
                $"recovered {recoveredAfter.TotalMilliseconds:F0} ms after restart; other servers: {sorted.Length} calls, " +
                $"p50 {sorted[sorted.Length / 2]:F1} ms, p99 {sorted[(int)(sorted.Length * 0.99)]:F1} ms, {failures.Count} failures");
            Assert.Empty(failures);
            Assert.NotEmpty(sorted);
            Assert.Equal((int)SwitchboardErrorCodes.UpstreamUnavailable, refused.GetProperty("error").GetProperty("code").GetInt32());
            var data = refused.GetProperty("error").GetProperty("data");
            Assert.Equal("doomed", data.GetProperty("server").GetString());
            Assert.Equal("open", data.GetProperty("breakerState").GetString());
            Assert.True(data.GetProperty("retryAfterSeconds").GetInt32() >= 1);
            Assert.Equal("circuit-open", Reason(refusedAgain));
            Assert.InRange(failFastTime, TimeSpan.Zero, TimeSpan.FromSeconds(1)); // refused without trying: no connect, no timeout
        }
        finally
        {
            await ProcessRunner.KillAsync(doomed);
            doomed.Dispose();
            await ProcessRunner.KillAsync(steady);
        }
    }

    private string[] Upstream(string name, string url) =>
    [
        $"--Servers:{name}:Url={url}/mcp",
        $"--Servers:{name}:Headers:Authorization=Bearer {_upstreamKey}",
        $"--Servers:{name}:Timeout=00:00:05",
        $"--Servers:{name}:ReconnectInterval=00:00:00.500",
        $"--Servers:{name}:CircuitBreaker:MinimumThroughput=2",
        $"--Servers:{name}:CircuitBreaker:BreakDuration=00:00:02",
        $"--Servers:{name}:HealthCheck:Interval=00:00:00.500",
    ];

    private Task<Process> StartUpstreamAsync(string url, string name) =>
        EverythingUpstream.StartAsync(url, _upstreamKey, Directory.CreateDirectory(Path.Combine(_directory, name)).FullName, Patience, UnlimitedCaller);

    private static bool IsSuccess(JsonElement response) =>
        response.TryGetProperty("result", out var result) && !(result.TryGetProperty("isError", out var isError) && isError.GetBoolean());

    private static string? Reason(JsonElement response) =>
        response.TryGetProperty("error", out var error) && error.TryGetProperty("data", out var data) && data.TryGetProperty("reason", out var reason) ? reason.GetString() : null;
}
