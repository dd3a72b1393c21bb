using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using Switchboard.Errors;
using Switchboard.Gateway.Tests.Interop;
using Switchboard.Testing;
using Switchboard.Upstreams.Health;
using Switchboard.Upstreams.Resilience;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// One upstream's resilience, through the published gateway in front of a real MCP server that misbehaves on demand
/// (<see cref="FaultyUpstream"/>): only safe calls are retried, a tool's own timeout, the concurrency limit's busy
/// error and its <c>data</c>, and active health checks whose thresholds decide the health, and which open and close
/// the circuit with no client call, as <c>/api/v1/servers</c> and <c>/healthz/ready</c> show.
/// </summary>
public sealed class UpstreamResilienceTests
{
    private const string Server = "faulty";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TransportFailure_ResourceReadAndReadOnlyAndIdempotentToolsRetried_OtherToolNotRetried()
    {
        await using var upstream = await FaultyUpstream.StartAsync();
        // Only retries are under test: the dropped calls must not open the circuit.
        await using var gateway = await StartGatewayAsync(upstream, "Retry:MaxAttempts=2", "Retry:Delay=00:00:00.010", "CircuitBreaker:MinimumThroughput=20");

        upstream.DropNextResourceReads(1);
        var (noteStatus, note) = await gateway.Process.RequestAsync(gateway.AdminKey, "resources/read", new JsonObject { ["uri"] = "faulty://note" }, Ct);
        upstream.DropNextCalls(1);
        var read = await gateway.Process.CallToolAsync(gateway.AdminKey, $"{Server}__read", Ct);
        upstream.DropNextCalls(1);
        var put = await gateway.Process.CallToolAsync(gateway.AdminKey, $"{Server}__put", Ct);
        upstream.DropNextCalls(1);
        var write = await gateway.Process.CallToolAsync(gateway.AdminKey, $"{Server}__write", Ct);

        Assert.Equal(HttpStatusCode.OK, noteStatus);
        Assert.True(note!.Value.TryGetProperty("result", out var noteResult), note.Value.ToString());
        Assert.Equal("note", noteResult.GetProperty("contents")[0].GetProperty("text").GetString());
        Assert.Equal(1, upstream.NoteReads);
        Assert.Equal("read", Text(read));
        Assert.Equal(1, upstream.ReadCalls);
        Assert.Equal("put", Text(put));
        Assert.Equal(1, upstream.PutCalls);
        // A call without either hint may have had its effect before the connection dropped: it is not sent again.
        var (code, data) = Error(write);
        Assert.Equal(SwitchboardErrorCodes.UpstreamUnavailable, code);
        Assert.Equal(Server, data.GetProperty("server").GetString());
        Assert.Equal("unreachable", data.GetProperty("reason").GetString());
        Assert.Equal("closed", data.GetProperty("breakerState").GetString());
        Assert.Equal(0, upstream.WriteCalls);
    }

    [Fact]
    public async Task ToolTimeout_OverridesTheServerTimeout_WithTheTimeoutError_AndCancelsTheUpstreamCall()
    {
        await using var upstream = await FaultyUpstream.StartAsync();
        // The server's timeout outlasts the test client's (30 s): only the tool's own can end the call.
        await using var gateway = await StartGatewayAsync(upstream, "Timeout=00:05:00", "ToolTimeouts:slow=00:00:00.300");

        var slow = await gateway.Process.CallToolAsync(gateway.AdminKey, $"{Server}__slow", Ct);

        var (code, data) = Error(slow);
        Assert.Equal(SwitchboardErrorCodes.UpstreamTimeout, code);
        Assert.Equal(Server, data.GetProperty("server").GetString());
        Assert.Equal("timeout", data.GetProperty("reason").GetString());
        // The timeout cancels the upstream request too: nothing is left running there.
        await upstream.SlowCancelled.Task.WaitAsync(Patience, Ct);
    }

    [Fact]
    public async Task ConcurrencyLimit_Reached_RefusesAsBusyWithoutCallingTheUpstream()
    {
        // No probes: one would take the single slot too.
        await using var upstream = await FaultyUpstream.StartAsync();
        await using var gateway = await StartGatewayAsync(upstream, "Concurrency:MaxCalls=1", "Concurrency:MaxQueued=0", "HealthCheck:Interval=00:00:00");

        var held = gateway.Process.CallToolAsync(gateway.AdminKey, $"{Server}__hold", Ct);
        await Poll.UntilAsync(() => upstream.Holding == 1, Patience, "the first call did not reach the upstream");
        var busy = await gateway.Process.CallToolAsync(gateway.AdminKey, $"{Server}__write", Ct);
        int writesWhileBusy = upstream.WriteCalls;
        upstream.Release();
        Assert.Equal("held", Text(await held));
        var after = await gateway.Process.CallToolAsync(gateway.AdminKey, $"{Server}__write", Ct);

        var (code, data) = Error(busy);
        Assert.Equal(SwitchboardErrorCodes.UpstreamBusy, code);
        Assert.Equal(Server, data.GetProperty("server").GetString());
        Assert.Equal("busy", data.GetProperty("reason").GetString());
        Assert.Equal(1, data.GetProperty("retryAfterSeconds").GetInt32());
        Assert.Equal("closed", data.GetProperty("breakerState").GetString());
        Assert.Equal(0, writesWhileBusy);
        Assert.Equal("written", Text(after));
        Assert.Equal(1, upstream.WriteCalls);
        // A refusal here says nothing about the upstream: its circuit stays closed.
        Assert.Equal("closed", (await StatusAsync(gateway)).Breaker);
    }

    [Fact]
    public async Task HealthProbes_UpstreamDown_UnhealthyAndCircuitOpens_BackUp_HealthyAndClosesWithNoCall()
    {
        await using var upstream = await FaultyUpstream.StartAsync();
        await using var gateway = await StartGatewayAsync(
            upstream,
            "ReconnectInterval=00:00:00.500",
            "CircuitBreaker:MinimumThroughput=2",
            "CircuitBreaker:BreakDuration=00:00:00.500",
            "HealthCheck:Interval=00:00:00.200",
            "HealthCheck:UnhealthyThreshold=2",
            "HealthCheck:HealthyThreshold=2");

        await Poll.UntilAsync(async () => await StatusAsync(gateway) is { Health: "healthy", Breaker: "closed", State: "connected" }, Patience, "the upstream never became healthy");
        Assert.Equal("Healthy", (await ReadinessAsync(gateway)).Status);

        await upstream.StopAsync();
        await Poll.UntilAsync(async () => await StatusAsync(gateway) is { Health: "unhealthy", Breaker: "open" }, Patience, "the stopped upstream was not found unhealthy with its circuit open");
        var down = await ReadinessAsync(gateway);

        await upstream.StartAgainAsync();
        await Poll.UntilAsync(async () => await StatusAsync(gateway) is { Health: "healthy", Breaker: "closed", State: "connected" }, Patience, "the upstream did not recover by itself");
        var up = await ReadinessAsync(gateway);

        // Degraded, not dead: readiness stays 200 and names the server, its breaker and its health.
        Assert.Equal("Degraded", down.Status);
        Assert.Contains($"'{Server}' ", down.Description, StringComparison.Ordinal);
        Assert.Contains("breaker open", down.Description, StringComparison.Ordinal);
        Assert.Contains("health unhealthy", down.Description, StringComparison.Ordinal);
        Assert.Equal("Healthy", up.Status);
        Assert.Equal(0, upstream.ReadCalls + upstream.PutCalls + upstream.WriteCalls);
    }

    [Fact]
    public async Task HealthProbes_FewerFailuresThanTheThreshold_StayHealthy_MoreTurnUnhealthy_ThenHealthyAfterItsThreshold()
    {
        await using var upstream = await FaultyUpstream.StartAsync();
        await using var gateway = await StartGatewayAsync(
            upstream,
            "HealthCheck:Interval=00:00:00.200",
            "HealthCheck:UnhealthyThreshold=3",
            "HealthCheck:HealthyThreshold=5",
            "ReconnectInterval=00:00:00.500",
            // A session-era revision: the probe is a ping, and a new connection (after a dropped probe) starts with
            // initialize, so that each dropped request is one failed probe. At 2026-07-28 both would be server/discover.
            "ProtocolVersion=2025-11-25",
            // Only the health thresholds are under test: the dropped probes must not open the circuit.
            "CircuitBreaker:FailureRatio=1");
        await Poll.UntilAsync(async () => (await StatusAsync(gateway)).Health == "healthy", Patience, "the upstream never became healthy");

        // Two failed probes, then one answered: below the threshold of three, it never turns unhealthy. Were the
        // threshold not kept, it would be unhealthy now and stay so for five answered probes.
        upstream.DropNextProbes(2);
        int answered = upstream.ProbesAnswered;
        await Poll.UntilAsync(() => upstream.ProbesAnswered > answered, Patience, "no probe was answered after the dropped ones");
        Assert.Equal("healthy", (await StatusAsync(gateway)).Health);

        upstream.DropNextProbes(3);
        answered = upstream.ProbesAnswered;
        await Poll.UntilAsync(async () => (await StatusAsync(gateway)).Health == "unhealthy", Patience, "three failed probes did not make it unhealthy");
        await Poll.UntilAsync(async () => (await StatusAsync(gateway)).Health == "healthy", Patience, "it did not become healthy again");

        Assert.True(upstream.ProbesAnswered - answered >= 5, $"healthy again after {upstream.ProbesAnswered - answered} answered probes; the threshold is 5");
    }

    [Fact]
    public void Health_ChangesOnlyAfterItsThresholdOfProbesInARow()
    {
        var settings = new HealthCheckSettings { UnhealthyThreshold = 2, HealthyThreshold = 2 };
        var health = new UpstreamHealth();
        var at = DateTimeOffset.UnixEpoch;

        Assert.Null(health.Record(null, settings, at));
        Assert.Equal(UpstreamHealthStatus.Healthy, health.Record(null, settings, at));
        Assert.Null(health.Record("unreachable", settings, at));
        Assert.Null(health.Record(null, settings, at)); // an answer in between starts the count again
        Assert.Null(health.Record("unreachable", settings, at));
        Assert.Equal(UpstreamHealthStatus.Unhealthy, health.Record("timeout", settings, at));
        Assert.Equal("timeout", health.LastProblem);
        Assert.Null(health.Record(null, settings, at));
        Assert.Equal(UpstreamHealthStatus.Healthy, health.Record(null, settings, at));
        Assert.Null(health.LastProblem);
    }

    // The published gateway with the upstream as server "faulty" (each setting under Servers:faulty), once it is connected.
    private static async Task<PublishedGateway> StartGatewayAsync(FaultyUpstream upstream, params string[] settings)
    {
        var gateway = await PublishedGateway.StartServeAsync(
        [
            "--Gateway:Sessions=Stateless",
            // The tests poll /api/v1/servers as one caller: its rate limits would refuse that long before anything here is busy.
            "--RateLimits:Default:PerPrincipal:Permits=1000000",
            "--RateLimits:Default:PerPrincipal:Burst=1000000",
            $"--Servers:{Server}:Url={upstream.Url}",
            $"--Servers:{Server}:Pinning=Off",
            .. settings.Select(setting => $"--Servers:{Server}:{setting}"),
        ]);
        try
        {
            await Poll.UntilAsync(async () => (await StatusAsync(gateway)).State == "connected", Patience, $"{Server} was not connected{Environment.NewLine}{gateway.Process.Output}");
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    // The upstream as GET /api/v1/servers shows it.
    private static async Task<(string State, string? Breaker, string? Health)> StatusAsync(PublishedGateway gateway)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", gateway.AdminKey);
        using var body = JsonDocument.Parse(await http.GetStringAsync(gateway.Endpoint("/api/v1/servers"), Ct));
        var server = body.RootElement.EnumerateArray().Single(s => s.GetProperty("name").GetString() == Server);
        return (server.GetProperty("state").GetString()!, server.GetProperty("breaker").GetString(), server.GetProperty("health").GetString());
    }

    // The check "upstreams" of /healthz/ready, which must answer 200 whatever the upstream does.
    private static async Task<(string Status, string Description)> ReadinessAsync(PublishedGateway gateway)
    {
        var (status, report) = await gateway.Process.TryGetReadinessAsync(Ct);
        Assert.True(status == HttpStatusCode.OK, report?.ToString());
        var upstreams = report!.Value.GetProperty("checks").GetProperty("upstreams");
        return (upstreams.GetProperty("status").GetString()!, upstreams.GetProperty("description").GetString()!);
    }

    private static string? Text(JsonElement response) =>
        response.TryGetProperty("result", out var result) ? result.GetProperty("content")[0].GetProperty("text").GetString() : response.ToString();

    private static (McpErrorCode Code, JsonElement Data) Error(JsonElement response)
    {
        Assert.True(response.TryGetProperty("error", out var error), response.ToString());
        return ((McpErrorCode)error.GetProperty("code").GetInt32(), error.GetProperty("data"));
    }
}
