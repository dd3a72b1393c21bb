using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Polly.CircuitBreaker;
using Switchboard.Errors;
using Switchboard.Testing;
using Switchboard.Upstreams;
using Switchboard.Upstreams.Health;
using Switchboard.Upstreams.Pinning;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// One upstream's resilience against a real MCP server that misbehaves on demand: safe calls are retried and others
/// are not, per-tool timeouts, the concurrency limit's busy error, error data, and active health checks that open
/// and close the circuit with no client call.
/// </summary>
public sealed class UpstreamResilienceTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TransportFailure_ReadOnlyToolRetried_OtherToolNotRetried()
    {
        await using var upstream = await FaultyUpstream.StartAsync();
        await using var server = await ConnectAsync(upstream, new UpstreamOptions { Retry = { MaxAttempts = 2, Delay = TimeSpan.FromMilliseconds(10) } });

        upstream.DropNextCalls(1);
        var read = await server.CallToolAsync(new CallToolRequestParams { Name = "read" }, Ct);
        upstream.DropNextCalls(1);
        var error = await Assert.ThrowsAsync<McpProtocolException>(async () => await server.CallToolAsync(new CallToolRequestParams { Name = "write" }, Ct));

        Assert.Equal("read", Assert.IsType<TextContentBlock>(Assert.Single(read.Content)).Text);
        Assert.Equal(1, upstream.ReadCalls);
        Assert.Equal(SwitchboardErrorCodes.UpstreamUnavailable, error.ErrorCode);
        Assert.Equal("closed", error.Data["breakerState"]);
        Assert.Equal(0, upstream.WriteCalls);
    }

    [Fact]
    public async Task ToolTimeout_OverridesTheServerTimeout_WithTheTimeoutError()
    {
        await using var upstream = await FaultyUpstream.StartAsync();
        await using var server = await ConnectAsync(upstream, new UpstreamOptions
        {
            Timeout = TimeSpan.FromSeconds(30),
            ToolTimeouts = { ["slow"] = TimeSpan.FromMilliseconds(300) },
        });

        var stopwatch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<McpProtocolException>(async () => await server.CallToolAsync(new CallToolRequestParams { Name = "slow" }, Ct));

        Assert.Equal(SwitchboardErrorCodes.UpstreamTimeout, error.ErrorCode);
        Assert.Equal("timeout", error.Data["reason"]);
        Assert.Equal("server", error.Data["server"]);
        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));
        // The timeout cancels the upstream request too: nothing is left running there.
        await upstream.SlowCancelled.Task.WaitAsync(Patience, Ct);
    }

    [Fact]
    public async Task ConcurrencyLimit_Reached_RefusesAsBusyWithoutCallingTheUpstream()
    {
        await using var upstream = await FaultyUpstream.StartAsync();
        await using var server = await ConnectAsync(upstream, new UpstreamOptions { Concurrency = { MaxCalls = 1, MaxQueued = 0 } });

        var held = server.CallToolAsync(new CallToolRequestParams { Name = "hold" }, Ct).AsTask();
        await Poll.UntilAsync(() => upstream.Holding == 1, Patience, "the first call did not reach the upstream");
        var busy = await Assert.ThrowsAsync<McpProtocolException>(async () => await server.CallToolAsync(new CallToolRequestParams { Name = "write" }, Ct));
        upstream.Release();
        await held;
        var after = await server.CallToolAsync(new CallToolRequestParams { Name = "write" }, Ct);

        Assert.Equal(SwitchboardErrorCodes.UpstreamBusy, busy.ErrorCode);
        Assert.Equal("busy", busy.Data["reason"]);
        Assert.Equal(1, busy.Data["retryAfterSeconds"]);
        Assert.Equal(1, upstream.WriteCalls);
        Assert.NotEqual(true, after.IsError);
        Assert.Equal(CircuitState.Closed, server.CircuitState);
    }

    [Fact]
    public async Task CallerCancels_UpstreamRequestIsCancelled()
    {
        await using var upstream = await FaultyUpstream.StartAsync();
        await using var server = await ConnectAsync(upstream, new UpstreamOptions());
        using var caller = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var call = server.CallToolAsync(new CallToolRequestParams { Name = "slow" }, caller.Token).AsTask();
        await upstream.SlowStarted.Task.WaitAsync(Patience, Ct);
        await caller.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await upstream.SlowCancelled.Task.WaitAsync(Patience, Ct);
        Assert.Equal(CircuitState.Closed, server.CircuitState); // the caller's cancellation says nothing about the upstream
    }

    [Fact]
    public async Task HealthProbes_UpstreamDown_UnhealthyAndCircuitOpens_BackUp_HealthyAndClosesWithNoCall()
    {
        await using var upstream = await FaultyUpstream.StartAsync();
        var options = new UpstreamOptions
        {
            Url = upstream.Url,
            Pinning = ToolPinning.Off,
            ReconnectInterval = TimeSpan.FromMilliseconds(500),
            CircuitBreaker = { MinimumThroughput = 2, BreakDuration = TimeSpan.FromMilliseconds(500) },
            HealthCheck = { Interval = TimeSpan.FromMilliseconds(200), UnhealthyThreshold = 2, HealthyThreshold = 2 },
        };
        await using var servers = new UpstreamServers(
            Microsoft.Extensions.Options.Options.Create(new UpstreamsOptions { Servers = { ["server"] = options } }),
            new UnrecordedToolPins(),
            NullLoggerFactory.Instance,
            TimeProvider.System);
        var server = servers["server"];
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        servers.StartConnecting(stopping.Token);

        await Poll.UntilAsync(() => server.Health.Status == UpstreamHealthStatus.Healthy, Patience, "the upstream never became healthy");
        await upstream.StopAsync();
        await Poll.UntilAsync(() => server.Health.Status == UpstreamHealthStatus.Unhealthy && server.CircuitState == CircuitState.Open, Patience, "the stopped upstream was not found unhealthy with its circuit open");
        string problem = server.Health.LastProblem!;
        await upstream.StartAgainAsync();
        await Poll.UntilAsync(() => server.Health.Status == UpstreamHealthStatus.Healthy && server.CircuitState == CircuitState.Closed, Patience, "the upstream did not recover by itself");
        await stopping.CancelAsync();

        Assert.Contains(problem, new[] { "unreachable", "circuit-open" });
        Assert.Equal("connected", UpstreamHealthCheck.Describe(server));
    }

    private static async Task<UpstreamServer> ConnectAsync(FaultyUpstream upstream, UpstreamOptions options)
    {
        options.Url = upstream.Url;
        options.Pinning = ToolPinning.Off;
        options.HealthCheck.Interval = TimeSpan.Zero;
        var server = new UpstreamServer("server", options, new UnrecordedToolPins(), NullLoggerFactory.Instance, TimeProvider.System);
        Assert.True(await server.TryConnectAsync(Ct), server.LastFailure);
        return server;
    }
}
