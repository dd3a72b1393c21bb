using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Access.Identity;
using Switchboard.Gateway.Access;
using Switchboard.Policy;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Http;

/// <summary>
/// The gateway on PostgreSQL, with the database crashed and restarted under it while tool calls flow. The test owns
/// its PostgreSQL server (<see cref="PostgresProcess"/>), so it can kill it without touching the shared one.
/// </summary>
public sealed class PostgresRestartTests
{
    private const string Tool = "utilities__uuid_v4";
    private const int Callers = 3;

    // Far below any hang (the HTTP client gives up at 60 s) and above what a loaded 2-core runner needs: during the
    // outage connections are refused at once, and Npgsql's connect timeout (5 s) bounds the worst case.
    private static readonly TimeSpan NoHang = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(PostgresStopMode.Immediate)] // a crash: connections drop, the restart runs crash recovery
    [InlineData(PostgresStopMode.Fast)] // a clean restart: sessions are terminated (57P01) first
    public async Task PostgresRestartedWhileCallsFlow_NotReady_CallsFailFastAsUnavailable_ThenResume_NothingAcknowledgedLost(PostgresStopMode stop)
    {
        await using var postgres = await PostgresProcess.StartAsync(Ct);
        await using var gateway = new PostgresGatewayServer(postgres);
        await gateway.InitializeAsync();
        var keys = gateway.Services.GetRequiredService<ApiKeyService>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };

        var callers = new List<Caller>();
        for (int i = 0; i < Callers; i++)
        {
            var key = await keys.CreateAsync($"caller-{i}", [BuiltInRoles.Agent], cancellationToken: Ct);
            callers.Add(new Caller(key.Info.Name, key.Key, await InitializeAsync(http, gateway, key.Key)));
        }

        // The administrator's key is cached from here on, so during the outage its API requests reach the handlers.
        using (var before = await AdminKeysAsync(http, gateway))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        // Never used before the outage, so neither it nor its holder is cached: authenticating it needs the database.
        var coldKey = await keys.CreateAsync("first-used-during-outage", [BuiltInRoles.Agent], cancellationToken: Ct);

        var clock = Stopwatch.StartNew();
        var calls = new ConcurrentQueue<Call>();
        using var stopTraffic = new CancellationTokenSource();
        var traffic = callers.Select(c => Task.Run(() => CallInALoopAsync(http, gateway, c, clock, calls, stopTraffic.Token), Ct)).ToArray();
        await Poll.UntilAsync(() => callers.All(c => calls.Count(k => k.Caller == c.Name && k.Outcome == Outcome.Ok) >= 5), Deadline, "calls did not flow before the outage");

        var stopping = clock.Elapsed;
        await postgres.StopAsync(stop, Ct);
        var stopped = clock.Elapsed;

        Readiness? readiness = null;
        await Poll.UntilAsync(async () => (readiness = await ReadinessAsync(http, gateway)) is { Ready: false }, Deadline, "readiness did not go false");
        var notReadyAt = clock.Elapsed;
        Assert.Equal("Unhealthy", readiness!.Database);

        await Poll.UntilAsync(
            () => callers.All(c => calls.Count(k => k.Caller == c.Name && k.Outcome == Outcome.Unavailable && k.Started > stopped) >= 3),
            Deadline,
            "callers did not see the outage");

        // The process is alive, and what needs no database is still served.
        using (var live = await http.GetAsync(gateway.Endpoint("/healthz/live"), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        Assert.Contains(Tool, await ListToolsAsync(http, gateway, callers[0]));

        // A caller whose key is not cached: authentication itself needs the database.
        var cold = await CallAsync(http, gateway, coldKey.Key, session: null, 1, clock);
        Assert.True(cold.Outcome == Outcome.Unavailable && cold.Status == HttpStatusCode.ServiceUnavailable, $"a cold key during the outage got {cold}");

        // The admin API answers with problem details, 503 and Retry-After too.
        using (var keysDuring = await AdminKeysAsync(http, gateway))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, keysDuring.StatusCode);
            Assert.True(keysDuring.Headers.RetryAfter?.Delta > TimeSpan.Zero);
            Assert.Equal("application/problem+json", keysDuring.Content.Headers.ContentType?.MediaType);
        }

        // A key nobody issued: it cannot be looked up, nor its failure audited.
        var unknown = await CallAsync(http, gateway, ApiKeyFormat.Generate().Key, session: null, 1, clock);
        Assert.True(unknown.Outcome == Outcome.Unavailable && unknown.Status == HttpStatusCode.ServiceUnavailable, $"an unknown key during the outage got {unknown}");

        var malformed = await CallAsync(http, gateway, "not-a-key", session: null, 1, clock);
        Assert.True(malformed.Outcome == Outcome.Unavailable && malformed.Status == HttpStatusCode.ServiceUnavailable, $"a malformed credential during the outage got {malformed}");

        var restarting = clock.Elapsed;
        await postgres.StartAgainAsync(Ct);
        var restarted = clock.Elapsed;
        await Poll.UntilAsync(async () => (await ReadinessAsync(http, gateway)).Ready, Deadline, "readiness did not come back");
        var readyAt = clock.Elapsed;
        await Poll.UntilAsync(() => callers.All(c => calls.Any(k => k.Caller == c.Name && k.Outcome == Outcome.Ok && k.Started > readyAt)), Deadline, "calls did not resume");
        var resumedAt = clock.Elapsed;
        var afterResume = calls.Count;
        await Poll.UntilAsync(() => calls.Count >= afterResume + 30, Deadline, "calls did not keep flowing after recovery");

        await stopTraffic.CancelAsync();
        await Task.WhenAll(traffic);
        var all = calls.ToArray();
        var unavailable = all.Where(c => c.Outcome == Outcome.Unavailable).ToArray();
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{stop}: calls {all.Length} (ok {all.Count(c => c.Outcome == Outcome.Ok)}, unavailable {unavailable.Length}, of which HTTP 503 {unavailable.Count(c => c.Status == HttpStatusCode.ServiceUnavailable)}); " +
            $"stop took {Ms(stopped - stopping)}, not ready {Ms(notReadyAt - stopped)} after; unavailable latency max {Ms(unavailable.Max(c => c.Latency))}, " +
            $"median {Ms(unavailable.Select(c => c.Latency).Order().ElementAt(unavailable.Length / 2))}; cold key {Ms(cold.Latency)}; restart took {Ms(restarted - restarting)}, " +
            $"ready {Ms(readyAt - restarted)} and every caller served {Ms(resumedAt - restarted)} after");

        // Every answer was a result or a clear, fast "database unavailable": no 500, no other error, no hang.
        Assert.All(all, c => Assert.True(c.Outcome != Outcome.Other, c.ToString()));
        Assert.All(all, c => Assert.True(c.Latency < NoHang, $"{c} took {Ms(c.Latency)}"));
        // Before the crash every call succeeded.
        Assert.DoesNotContain(all, c => c.Outcome != Outcome.Ok && c.Started + c.Latency < stopping);
        // Nothing is acknowledged while its audit event cannot be made durable.
        Assert.DoesNotContain(all, c => c.Outcome == Outcome.Ok && c.Started > stopped && c.Started + c.Latency < restarting);
        // Once every caller is served again, every later call succeeds: no broken pooled connection lingers.
        Assert.DoesNotContain(all, c => c.Outcome != Outcome.Ok && c.Started > resumedAt);

        // Nothing acknowledged was lost: each caller's acknowledged calls all have their audit events, the chain
        // verifies, and the keys are all there.
        var audit = gateway.Services.GetRequiredService<IAuditStore>();
        foreach (var caller in callers)
        {
            var events = await audit.QueryAsync(new AuditQuery(Actor: caller.Name, Action: "tools/call", Limit: 10_000), Ct);
            int audited = events.Count(e => e.Target == "utilities/uuid_v4" && e.Outcome == "ok");
            int acknowledged = all.Count(c => c.Caller == caller.Name && c.Outcome == Outcome.Ok);
            int attempted = all.Count(c => c.Caller == caller.Name);
            // More audited than acknowledged is allowed: a commit whose answer the crash swallowed.
            Assert.InRange(audited, acknowledged, attempted);
        }

        var verification = await audit.VerifyAsync(Ct);
        Assert.True(verification.Intact, verification.Message);
        var names = (await keys.ListAsync(Ct)).Select(k => k.Name).ToHashSet();
        Assert.Superset(new HashSet<string>([.. callers.Select(c => c.Name), coldKey.Info.Name]), names);
        var coldAfter = await CallAsync(http, gateway, coldKey.Key, session: null, 2, clock);
        Assert.True(coldAfter.Outcome == Outcome.Ok, coldAfter.ToString());
    }

    private static string Ms(TimeSpan t) => $"{t.TotalMilliseconds:0} ms";

    private static async Task CallInALoopAsync(HttpClient http, GatewayServer gateway, Caller caller, Stopwatch clock, ConcurrentQueue<Call> calls, CancellationToken stop)
    {
        for (int id = 2; !stop.IsCancellationRequested; id++)
        {
            calls.Enqueue(await CallAsync(http, gateway, caller.Key, caller.Session, id, clock) with { Caller = caller.Name });
        }
    }

    private static async Task<string> InitializeAsync(HttpClient http, GatewayServer gateway, string key)
    {
        using var request = Post(gateway, key, """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"restart-test","version":"1"}}}""");
        using var response = await http.SendAsync(request, Ct);
        response.EnsureSuccessStatusCode();
        return response.Headers.GetValues("Mcp-Session-Id").Single();
    }

    private static async Task<HttpResponseMessage> AdminKeysAsync(HttpClient http, GatewayServer gateway)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, gateway.Endpoint("/api/v1/keys"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", gateway.AdminKey);
        return await http.SendAsync(request, Ct);
    }

    private static async Task<string[]> ListToolsAsync(HttpClient http, GatewayServer gateway, Caller caller)
    {
        using var request = Post(gateway, caller.Key, """{"jsonrpc":"2.0","id":1000000,"method":"tools/list"}""");
        request.Headers.Add("Mcp-Session-Id", caller.Session);
        request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        using var response = await http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var message = JsonDocument.Parse(MessageOf(response, await response.Content.ReadAsStringAsync(Ct)));
        return [.. message.RootElement.GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()!)];
    }

    /// <summary>One tools/call, a session-based one when <paramref name="session"/> is given, else sessionless.</summary>
    private static async Task<Call> CallAsync(HttpClient http, GatewayServer gateway, string key, string? session, int id, Stopwatch clock)
    {
        var started = clock.Elapsed;
        var parameters = new JsonObject { ["name"] = Tool, ["arguments"] = new JsonObject() };
        if (session is null)
        {
            // 2026-07-28 is sessionless: each request names its protocol version (and repeats method and tool in headers).
            parameters["_meta"] = new JsonObject
            {
                ["io.modelcontextprotocol/protocolVersion"] = "2026-07-28",
                ["io.modelcontextprotocol/clientCapabilities"] = new JsonObject(),
            };
        }

        string body = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = "tools/call", ["params"] = parameters }.ToJsonString();
        try
        {
            using var request = Post(gateway, key, body);
            if (session is not null)
            {
                request.Headers.Add("Mcp-Session-Id", session);
                request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
            }
            else
            {
                request.Headers.Add("MCP-Protocol-Version", "2026-07-28");
                request.Headers.Add("Mcp-Method", "tools/call");
                request.Headers.Add("Mcp-Name", Tool);
            }

            using var response = await http.SendAsync(request, Ct);
            string text = await response.Content.ReadAsStringAsync(Ct);
            return Classify(response, text) with { Started = started, Latency = clock.Elapsed - started };
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !Ct.IsCancellationRequested)
        {
            return new Call("", started, clock.Elapsed - started, null, Outcome.Other, e.Message);
        }
    }

    private static HttpRequestMessage Post(GatewayServer gateway, string key, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, gateway.Endpoint("/mcp")) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    // A result, or "the database is unavailable" (the gateway's error code) said one of the two ways the gateway
    // may say it: 503 with Retry-After before the MCP handler runs, or a JSON-RPC error with a retry hint from it.
    private static Call Classify(HttpResponseMessage response, string text)
    {
        var call = new Call("", default, default, response.StatusCode, Outcome.Other, $"{(int)response.StatusCode} {text}");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(MessageOf(response, text));
        }
        catch (JsonException)
        {
            return call;
        }

        using (document)
        {
            var message = document.RootElement;
            if (response.StatusCode == HttpStatusCode.OK && message.TryGetProperty("result", out var result))
            {
                bool toolError = result.TryGetProperty("isError", out var isError) && isError.GetBoolean();
                return toolError ? call : call with { Outcome = Outcome.Ok };
            }

            if (!message.TryGetProperty("error", out var error)
                || error.GetProperty("code").GetInt32() != (int)GatewayErrorCodes.StorageUnavailable
                || error.GetProperty("message").GetString()?.Contains("database is unavailable", StringComparison.Ordinal) != true)
            {
                return call;
            }

            bool said503 = response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter?.Delta > TimeSpan.Zero;
            bool saidJsonRpc = response.StatusCode == HttpStatusCode.OK
                && error.TryGetProperty("data", out var data) && data.GetProperty("retryAfterSeconds").GetDouble() > 0;
            return said503 || saidJsonRpc ? call with { Outcome = Outcome.Unavailable } : call;
        }
    }

    // The response is JSON, or an event stream whose last data line is the JSON-RPC message.
    private static string MessageOf(HttpResponseMessage response, string text) =>
        response.Content.Headers.ContentType?.MediaType == "text/event-stream"
            ? text.Split('\n').LastOrDefault(l => l.StartsWith("data: {", StringComparison.Ordinal))?["data: ".Length..] ?? ""
            : text;

    private static async Task<Readiness> ReadinessAsync(HttpClient http, GatewayServer gateway)
    {
        using var response = await http.GetAsync(gateway.Endpoint("/healthz/ready"), Ct);
        using var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        string database = report.RootElement.GetProperty("checks").GetProperty("database").GetProperty("status").GetString()!;
        return new Readiness(response.StatusCode == HttpStatusCode.OK, database);
    }

    private sealed record Caller(string Name, string Key, string Session);

    private sealed record Readiness(bool Ready, string Database);

    private enum Outcome
    {
        Ok,
        Unavailable,
        Other,
    }

    private sealed record Call(string Caller, TimeSpan Started, TimeSpan Latency, HttpStatusCode? Status, Outcome Outcome, string Detail)
    {
        public override string ToString() => $"{Caller} call at {Started.TotalMilliseconds:0} ms: {Outcome}, {Detail}";
    }

    private sealed class PostgresGatewayServer(PostgresProcess postgres) : GatewayServer
    {
        protected override string[] ExtraArguments =>
        [
            "--Storage:Provider=PostgreSql",
            $"--Storage:ConnectionString={postgres.ConnectionString}",
            "--Storage:MigrateOnStart=true",
            // The callers loop as fast as they can; the limits are not what this test is about.
            .. new[] { "PerPrincipal", "PerPrincipalTool" }.SelectMany(b => new[] { $"--RateLimits:Roles:agent:{b}:Permits=1000000", $"--RateLimits:Roles:agent:{b}:Burst=1000000" }),
        ];
    }
}
