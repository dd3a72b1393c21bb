using System.Net;
using System.Net.Http.Headers;
using ModelContextProtocol;
using Switchboard.Gateway.Tests.Identity;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Telemetry;

/// <summary>The gateway with its management port on a free loopback port, as Prometheus scrapes it.</summary>
public sealed class ManagementPortGatewayServer : AuthenticatedGatewayServer
{
    public Uri ManagementAddress { get; } = new(LoopbackPort.NextUrl());

    protected override string[] ExtraArguments => [.. base.ExtraArguments, $"--Management:Urls={ManagementAddress}"];
}

/// <summary>
/// Test classes that read process-wide instruments (the tool calls in flight): they run alone, after the parallel
/// ones, since any other class's in-process gateway adds to them while it runs (a CI run waited 30 s in vain for 0).
/// </summary>
[CollectionDefinition(nameof(ProcessWideInstruments), DisableParallelization = true)]
public sealed class ProcessWideInstruments;

/// <summary>
/// <c>/metrics</c> on the management port: no credentials and no Host check there, the contract's series
/// (docs/observability.md, METRICS.md) with bounded labels, and nothing on the main port unless configured.
/// </summary>
[Collection(nameof(ProcessWideInstruments))]
public sealed class MetricsEndpointTests(ManagementPortGatewayServer gateway) : IClassFixture<ManagementPortGatewayServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ToolCalls_AreCountedByServerToolAndOutcome_WithoutCallerChosenLabels()
    {
        await using (var admin = await gateway.ConnectAsync("/mcp", "2025-11-25"))
        {
            await admin.CallToolAsync("everything__test_simple_text", cancellationToken: Ct);
            await Assert.ThrowsAsync<McpProtocolException>(async () => await admin.CallToolAsync("everything__no_such_tool_a1b2c3", cancellationToken: Ct));
        }

        await using (var viewer = await gateway.ConnectAsync("/mcp", "2025-11-25", bearerToken: gateway.TokenFor("vic", "viewer")))
        {
            await Assert.ThrowsAsync<McpProtocolException>(async () => await viewer.CallToolAsync("everything__test_simple_text", cancellationToken: Ct));
        }

        await using (var limited = await gateway.ConnectAsync("/mcp", "2025-11-25", bearerToken: gateway.TokenFor("lim", "limited")))
        {
            for (int i = 0; i < 2; i++)
            {
                await limited.CallToolAsync("everything__test_error_handling", cancellationToken: Ct);
            }

            await Assert.ThrowsAsync<McpProtocolException>(async () => await limited.CallToolAsync("everything__test_error_handling", cancellationToken: Ct));
        }

        // The in-flight gauge is the process's, and test classes run in parallel, each with its own gateway in this
        // process: another class's call can be in flight at any scrape. A count this class leaked would never reach 0.
        // The HTTP series is recorded as each request ends, which can be after the client has its answer.
        string metrics = await ScrapeUntilAsync(m =>
            HasSeries(m, "switchboard_tool_call_duration_seconds_count", "outcome=\"rate_limited\"")
            && HasSeries(m, "switchboard_tool_calls_in_flight", "} 0")
            && HasSeries(m, "http_server_request_duration_seconds_count", "http_route=\"/mcp/\""));

        AssertSeries(metrics, "switchboard_tool_call_duration_seconds_count", "mcp_server=\"everything\"", "mcp_tool=\"test_simple_text\"", "outcome=\"ok\"");
        AssertSeries(metrics, "switchboard_tool_call_duration_seconds_count", "mcp_server=\"everything\"", "mcp_tool=\"test_simple_text\"", "outcome=\"denied\"");
        AssertSeries(metrics, "switchboard_tool_call_duration_seconds_count", "mcp_tool=\"test_error_handling\"", "outcome=\"error\"");
        AssertSeries(metrics, "switchboard_tool_call_duration_seconds_count", "mcp_tool=\"test_error_handling\"", "outcome=\"rate_limited\"");
        AssertSeries(metrics, "switchboard_tool_call_duration_seconds_count", "mcp_server=\"unknown\"", "mcp_tool=\"unknown\"", "outcome=\"failed\"");
        AssertSeries(metrics, "switchboard_rate_limit_refusals_total", "mcp_server=\"everything\"");
        AssertSeries(metrics, "switchboard_tool_call_duration_seconds_bucket", "le=\"0.1\"");
        // Every call above has ended (refused, failed and unknown ones too), so none is counted in flight.
        AssertSeries(metrics, "switchboard_tool_calls_in_flight", "} 0");
        AssertSeries(metrics, "switchboard_audit_append_duration_seconds_count");
        AssertSeries(metrics, "switchboard_audit_batch_size_count");
        AssertSeries(metrics, "http_server_request_duration_seconds_count", "http_route=\"/mcp/\"");
        // A name that resolves to nothing never becomes a label, nor does a principal.
        Assert.DoesNotContain("no_such_tool_a1b2c3", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("\"vic\"", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("\"lim\"", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PerRequestInstrumentsNobodyReads_AreNotMeasured_TheOthersOfAspNetCoreAre()
    {
        await using (var admin = await gateway.ConnectAsync("/mcp", "2025-11-25"))
        {
            await admin.CallToolAsync("everything__test_simple_text", cancellationToken: Ct);
        }

        // Each series is recorded as its request ends, which can be after the client has its answer: wait for both.
        string metrics = await ScrapeUntilAsync(m =>
            HasSeries(m, "http_server_request_duration_seconds_count", "http_route=\"/mcp/\"", "http_request_method=\"POST\"")
            && HasSeries(m, "mcp_server_operation_duration_seconds_count", "mcp_method_name=\"tools/call\""));

        AssertSeries(metrics, "kestrel_active_connections");
        AssertSeries(metrics, "aspnetcore_memory_pool_allocated_bytes_total");
        AssertSeries(metrics, "mcp_server_operation_duration_seconds_count", "mcp_method_name=\"tools/call\"");
        foreach (string unread in new[]
        {
            "aspnetcore_authentication_authenticate_duration_seconds", "aspnetcore_authorization_attempts_total", "aspnetcore_routing_match_attempts_total",
            "aspnetcore_memory_pool_rented_bytes_total", "aspnetcore_memory_pool_pooled_bytes",
        })
        {
            Assert.DoesNotContain(unread, metrics, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AuthenticationFailures_AreCountedByReason()
    {
        using var http = new HttpClient();
        await PostMcpAsync(http, authorization: null);
        await PostMcpAsync(http, new AuthenticationHeaderValue("Bearer", "sk_live_not-a-real-key"));

        string metrics = await ScrapeUntilAsync(m => HasSeries(m, "switchboard_auth_failures_total", "reason=\"missing\"") && HasSeries(m, "switchboard_auth_failures_total", "reason=\"invalid\""));

        AssertSeries(metrics, "switchboard_auth_failures_total", "reason=\"missing\"");
        AssertSeries(metrics, "switchboard_auth_failures_total", "reason=\"invalid\"");
    }

    [Fact]
    public async Task DatabaseDependency_IsReportedUp()
    {
        // The database is read once a second; the first read sets the gauge. The gauge is the process's: with several
        // gateways in it (test classes run in parallel) it reads 0 while any of their databases is down, as
        // PostgresRestartTests' is for a while, so the deadline is ScrapeTimeout's, not a second or two.
        await Poll.UntilAsync(async () => HasSeries(await ScrapeAsync(), "switchboard_dependency_up", "dependency=\"database\"", "} 1"), ScrapeTimeout, "switchboard_dependency_up{dependency=\"database\"} is not 1");
    }

    [Fact]
    public async Task ManagementPort_ServesWithoutCredentialsOrHostCheck_MainPortDoesNot()
    {
        await using (var admin = await gateway.ConnectAsync("/mcp", "2025-11-25"))
        {
            await admin.CallToolAsync("everything__test_simple_text", cancellationToken: Ct);
        }

        using var http = new HttpClient();
        string body = string.Empty;
        await Poll.UntilAsync(
            async () =>
            {
                using var scrape = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway.ManagementAddress, "/metrics"));
                scrape.Headers.Host = "10.1.2.3:9464"; // Prometheus addresses the pod by IP
                using var management = await http.SendAsync(scrape, Ct);
                Assert.Equal(HttpStatusCode.OK, management.StatusCode);
                body = await management.Content.ReadAsStringAsync(Ct);
                return body.Contains("# TYPE switchboard_tool_call_duration_seconds histogram", StringComparison.Ordinal);
            },
            ScrapeTimeout,
            "the management port did not serve the tool-call histogram");
        using var main = await http.GetAsync(gateway.Endpoint("/metrics"), Ct);

        Assert.Equal(HttpStatusCode.NotFound, main.StatusCode);
    }

    private async Task PostMcpAsync(HttpClient http, AuthenticationHeaderValue? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Endpoint("/mcp"))
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = authorization;
        using var response = await http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    // The exporter answers scrapes from a cache for 300 ms, so a scrape right after another may not show the latest calls yet.
    // A deadline, not a wait: generous, as the other classes' calls may keep the in-flight gauge above 0 for a while.
    private static readonly TimeSpan ScrapeTimeout = TimeSpan.FromSeconds(30);

    private async Task<string> ScrapeUntilAsync(Func<string, bool> ready)
    {
        string metrics = string.Empty;
        await Poll.UntilAsync(async () => ready(metrics = await ScrapeAsync()), ScrapeTimeout, "the expected series never appeared");
        return metrics;
    }

    private async Task<string> ScrapeAsync()
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(new Uri(gateway.ManagementAddress, "/metrics"), Ct);
    }

    private static IEnumerable<string> Lines(string metrics) => metrics.Split('\n');

    // A line of the series: the name, then (in any order) every label given.
    private static void AssertSeries(string metrics, string name, params string[] labels) =>
        Assert.True(HasSeries(metrics, name, labels), $"No {name} series with {string.Join(", ", labels)} in:{Environment.NewLine}{metrics}");

    private static bool HasSeries(string metrics, string name, params string[] labels) =>
        Lines(metrics).Any(line => line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] is '{' or ' '
            && labels.All(l => line.Contains(l, StringComparison.Ordinal)));
}
