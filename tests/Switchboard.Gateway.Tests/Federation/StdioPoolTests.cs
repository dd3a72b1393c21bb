using System.Diagnostics;
using System.Text.Json;
using Switchboard.Gateway.Tests.Cli;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// The process pool of a stdio upstream in the published gateway, counted in <c>/proc</c>: bounded under a thousand
/// concurrent callers, a crashed process started again, and no process left when the gateway is killed.
/// </summary>
public sealed class StdioPoolTests : IDisposable
{
    private const string Tool = PooledEverythingGateway.Tool;
    private static readonly TimeSpan Timeout = PooledEverythingGateway.Timeout;

    private readonly PooledEverythingGateway _pool = new("switchboard-stdio-pool-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _pool.Dispose();

    [Fact]
    public async Task ThousandConcurrentCallers_ShareAtMostMaxProcesses()
    {
        await using var gateway = await StartGatewayAsync(
            "--Servers:pooled:Stdio:MaxProcesses=3",
            "--Servers:pooled:Timeout=00:01:00",
            // Let every call wait for the pool: the upstream's concurrency limit (64 in flight, 256 waiting) would refuse
            // most of them as busy before they reach it.
            "--Servers:pooled:Concurrency:MaxQueued=1000",
            // The default limits would refuse most of a thousand calls in a second, before they reach the pool.
            "--RateLimits:Roles:admin:PerPrincipal:Permits=100000",
            "--RateLimits:Roles:admin:PerPrincipal:Burst=100000",
            "--RateLimits:Roles:admin:PerPrincipalTool:Permits=100000",
            "--RateLimits:Roles:admin:PerPrincipalTool:Burst=100000");
        await WaitUntilServedAsync(gateway);

        int most = 0;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                most = Math.Max(most, UpstreamProcesses().Count);
                await Task.Delay(20, CancellationToken.None); // a sampling interval, not a wait for an event
            }
        }, CancellationToken.None);
        JsonElement[] calls;
        try
        {
            calls = await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => gateway.CallToolAsync(_pool.AdminKey, Tool, Ct)));
        }
        finally
        {
            await stop.CancelAsync(); // also when a call failed: the sampler must not outlive the test
            await sampler;
        }

        Assert.All(calls, call => Assert.True(IsText(call), call.ToString()));
        // More than one: the load spread to new processes; never more than the configured three.
        Assert.InRange(most, 2, 3);
        Assert.InRange(UpstreamProcesses().Count, 1, 3);
        TestContext.Current.TestOutputHelper?.WriteLine($"1,000 concurrent calls: at most {most} upstream processes (MaxProcesses 3).");
    }

    [Fact]
    public async Task CrashedProcess_IsStartedAgain_WithoutACall()
    {
        await using var gateway = await StartGatewayAsync();
        await WaitUntilServedAsync(gateway);
        var started = UpstreamProcesses();
        Assert.True(started.Count == 1, $"{Describe(started)}{Environment.NewLine}{gateway.Output}");
        int crashed = started[0];

        var stopwatch = Stopwatch.StartNew();
        using (var process = Process.GetProcessById(crashed))
        {
            await ProcessRunner.KillAsync(process);
        }

        // MinProcesses (1) is kept by the pool itself: a new process appears with no call to start it.
        await Poll.UntilAsync(() => UpstreamProcesses() is [var next] && next != crashed, Timeout, $"no new upstream process after the crash{Environment.NewLine}{gateway.Output}");
        var respawned = stopwatch.Elapsed;
        await Poll.UntilAsync(async () => IsText(await gateway.CallToolAsync(_pool.AdminKey, Tool, Ct)), Timeout, $"{Tool} did not answer after the restart");

        // The log line comes through the gateway's logger and a pipe: it can trail the answers above.
        await gateway.WaitForOutputAsync("a process exited unexpectedly", Timeout);
        TestContext.Current.TestOutputHelper?.WriteLine($"crash to new process: {respawned.TotalMilliseconds:0} ms; to an answered call: {stopwatch.Elapsed.TotalMilliseconds:0} ms.");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task GatewayKilled_ParentDeathGuard_LeavesNoUpstreamProcess(bool guarded)
    {
        // An upstream that outlives the end of its input: the shell serves MCP through switchboard, then sleeps on.
        await using var gateway = await StartGatewayAsync(
            $"--Servers:pooled:Stdio:ParentDeathGuard={guarded}",
            "--Servers:pooled:Command=/bin/sh",
            "--Servers:pooled:Args:0=-c",
            "--Servers:pooled:Args:1=\"$1\" mcp everything --stdio; sleep 300",
            $"--Servers:pooled:Args:2={_pool.Marker}",
            $"--Servers:pooled:Args:3={GatewayProcess.Executable}");
        await WaitUntilServedAsync(gateway);
        var ours = MarkedProcesses();
        Assert.NotEmpty(ours);

        await gateway.SignalAsync("KILL");
        await gateway.WaitForExitAsync(Timeout);

        if (guarded)
        {
            // The guard notices within 250 ms, gives 2 s for the end of input, then kills the tree.
            var stopwatch = Stopwatch.StartNew();
            await Poll.UntilAsync(() => MarkedProcesses().Count == 0, TimeSpan.FromSeconds(15), $"upstream processes outlived the gateway: {string.Join(", ", MarkedProcesses())}");
            TestContext.Current.TestOutputHelper?.WriteLine($"no upstream process {stopwatch.Elapsed.TotalMilliseconds:0} ms after the gateway's SIGKILL.");
        }
        else
        {
            // The control: without the guard the shell is orphaned, as every upstream was before it.
            await Task.Delay(TimeSpan.FromSeconds(4), Ct);
            var orphans = MarkedProcesses();
            foreach (int pid in orphans)
            {
                using var process = Process.GetProcessById(pid);
                process.Kill(entireProcessTree: true);
            }

            Assert.NotEmpty(orphans);
        }
    }

    [Fact]
    public async Task ASlowStartingProcess_StillSpeaks20260728()
    {
        // The process answers its first request only after 6 s, longer than the SDK's own wait for the server/discover
        // probe (5 s), as a process starting on a busy machine may. Settled on a session-based revision instead, its
        // questions (elicitation, sampling) would never reach a 2026-07-28 caller.
        await using var gateway = await StartGatewayAsync(
            "--Servers:pooled:Command=/bin/sh",
            "--Servers:pooled:Args:0=-c",
            "--Servers:pooled:Args:1=sleep 6; exec \"$0\" mcp everything --stdio \"$1\"",
            $"--Servers:pooled:Args:2={GatewayProcess.Executable}",
            $"--Servers:pooled:Args:3={_pool.Marker}");
        await WaitUntilServedAsync(gateway);

        Assert.Contains("'pooled': started a process (protocol 2026-07-28;", gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// A process that prints its credential to stderr and exits. The pool's own Warning redacted it, but the SDK's
    /// Error "client initialization error" carried the raw stderr tail in its exception, at every restart.
    /// </summary>
    [Fact]
    public async Task ProcessThatEchoesItsEnvAndExits_TheSecretReachesNoLogLine()
    {
        const string Secret = "ENVSECRET123";
        await using var gateway = await StartGatewayAsync(
            "--Servers:pooled:Command=/bin/sh",
            "--Servers:pooled:Args:0=-c",
            "--Servers:pooled:Args:1=echo \"starting; my secret env is $MYSECRET\" >&2; exit 3",
            $"--Servers:pooled:Args:2={_pool.Marker}",
            $"--Servers:pooled:Env:MYSECRET={Secret}");

        // The SDK logs its error inside the start, before the pool's Warning about the same start. A start whose process
        // exits before its stderr is read has no tail to quote; the pool starts it again every half second, so some
        // start's logs quote it.
        await gateway.WaitForOutputAsync("my secret env is ***", Timeout);
        await gateway.WaitForOutputAsync("a process could not be started", Timeout);

        Assert.Contains("client initialization error", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, gateway.Output, StringComparison.Ordinal);
    }

    private Task<GatewayProcess> StartGatewayAsync(params string[] flags) =>
        _pool.StartAsync(["--Servers:pooled:Timeout=00:00:20", "--Servers:pooled:ReconnectInterval=00:00:00.500", .. flags]);

    private async Task WaitUntilServedAsync(GatewayProcess gateway) =>
        await Poll.UntilAsync(async () => IsText(await gateway.CallToolAsync(_pool.AdminKey, Tool, Ct)), Timeout, $"{Tool} was not served{Environment.NewLine}{gateway.Output}");

    private static bool IsText(JsonElement response) =>
        response.TryGetProperty("result", out var result) && !(result.TryGetProperty("isError", out var isError) && isError.GetBoolean());

    // The upstream processes themselves, not their guards.
    private List<int> UpstreamProcesses() => [.. _pool.Processes().Where(p => !PooledEverythingGateway.IsGuard(p.CommandLine)).Select(p => p.Pid)];

    private static string Describe(List<int> pids) =>
        string.Join(Environment.NewLine, pids.Select(pid => $"{pid}: {File.ReadAllText($"/proc/{pid}/stat")}"));

    // The upstream processes and their guards.
    private List<int> MarkedProcesses() => [.. _pool.Processes().Select(p => p.Pid)];
}
