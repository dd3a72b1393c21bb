using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using Switchboard.Access.Identity;
using Switchboard.Gateway.Tests.Tasks;
using Switchboard.Testing;
using static Switchboard.Gateway.Tests.Workflows.RunsApi;

namespace Switchboard.Gateway.Tests.Workflows;

/// <summary>
/// Work a key started stops when the key is revoked (security probe 9), with the published executable: a run's tool
/// step queued behind a wait is refused and audited as a denied call once the key that started the run is revoked
/// (directly or as the key behind a service token), as is a task queued before the revocation; runs started by a key
/// still valid, by the same principal's new key, or by a JWT caller (no key to revoke) go on.
/// </summary>
public sealed class RevokedCredentialTests
{
    // The tool step waits behind an event the test delivers after revoking the key, so it runs after the revocation.
    private const string Gated = """
        name: gated
        steps:
          - id: hold
            wait: { event: go }
          - id: call
            tool: everything/greet
            arguments: { name: after }
        """;

    private const string Audience = "switchboard-tests";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RevokedKey_NextToolStepOfItsRun_IsRefusedAndAuditedAsDenied_OnPostgres()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: true);
        var gateway = await cluster.StartServeAsync();
        using var admin = Client(gateway, cluster.AdminKey);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("workflows", new { source = Gated }, Ct)).StatusCode);
        string key = await TaskProcesses.CreateKeyAsync(gateway, cluster.AdminKey, "runner", "agent");
        using var runner = Client(gateway, key);
        string revokedRun = await StartAsync(runner, "gated");
        string adminRun = await StartAsync(admin, "gated");
        await WaitForAsync(runner, revokedRun, r => State(r, "hold") == "waiting", "the run never waited");

        // Rotating revokes the key; its replacement speaks for the same principal, which still owns the run.
        using var renewed = Client(gateway, await RotateAsync(admin, key));
        Assert.Equal(HttpStatusCode.Unauthorized, (await runner.GetAsync(new Uri($"runs/{revokedRun}", UriKind.Relative), Ct)).StatusCode);
        string renewedRun = await StartAsync(renewed, "gated");
        foreach (var (client, run) in new[] { (renewed, revokedRun), (admin, adminRun), (renewed, renewedRun) })
        {
            await WaitForAsync(client, run, r => State(r, "hold") == "waiting", "the run never waited");
            using var go = await client.PostAsJsonAsync($"runs/{run}/events", new { @event = "go" }, Ct);
            Assert.Equal(HttpStatusCode.OK, go.StatusCode);
        }

        var refused = await WaitForEndAsync(renewed, revokedRun);
        Assert.Equal("failed", refused.GetProperty("state").GetString());
        var call = Step(refused, "call");
        Assert.Equal("failed", call.GetProperty("state").GetString());
        Assert.False(call.TryGetProperty("output", out var output) && output.ValueKind != JsonValueKind.Null);
        string error = call.GetProperty("error").GetString()!;
        Assert.Contains("Permission denied", error, StringComparison.Ordinal);
        Assert.Contains($"the API key {Prefix(key)} that started this work is revoked", error, StringComparison.Ordinal);

        // A key that still stands: the administrator's, and the same principal's new one.
        Assert.Equal("Hello, after!", Step(await WaitForEndAsync(admin, adminRun), "call").GetProperty("output").GetString());
        Assert.Equal("Hello, after!", Step(await WaitForEndAsync(renewed, renewedRun), "call").GetProperty("output").GetString());

        // Audited as the principal's denied call, beside the one its new key made.
        var calls = await AuditAsync(admin, "runner", "tools/call");
        Assert.Equal(["denied", "ok"], calls.Select(e => e.GetProperty("outcome").GetString()).Order());
        var denied = calls.Single(e => e.GetProperty("outcome").GetString() == "denied");
        Assert.Equal("everything/greet", denied.GetProperty("target").GetString());
        Assert.Contains("is revoked", denied.GetProperty("details").GetProperty("decision").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyBehindAServiceToken_Revoked_StopsTheTokensRun_WhileAJwtCallersRunGoesOn()
    {
        await using var issuer = await FakeOidcIssuer.StartAsync(Ct);
        await using var cluster = await TaskProcesses.CreateAsync(postgres: false);
        var gateway = await cluster.StartServeAsync(
            $"--Identity:JwtIssuers:0:Issuer={issuer.Issuer}",
            $"--Identity:JwtIssuers:0:Audience={Audience}",
            "--Identity:JwtIssuers:0:RequireHttpsMetadata=false");
        using var admin = Client(gateway, cluster.AdminKey);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("workflows", new { source = Gated }, Ct)).StatusCode);
        string key = await TaskProcesses.CreateKeyAsync(gateway, cluster.AdminKey, "service", "agent");
        string token;
        using (var keyed = Client(gateway, key))
        using (var issued = await keyed.PostAsJsonAsync("tokens", new { }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
            token = JsonDocument.Parse(await issued.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("access_token").GetString()!;
        }

        using var service = Client(gateway, token);
        using var person = Client(gateway, issuer.CreateToken(Audience, [new Claim("sub", "alice"), new Claim("roles", "agent")]));
        string tokenRun = await StartAsync(service, "gated");
        string jwtRun = await StartAsync(person, "gated");
        await WaitForAsync(service, tokenRun, r => State(r, "hold") == "waiting", "the run never waited");

        using var renewed = Client(gateway, await RotateAsync(admin, key));
        foreach (var (client, run) in new[] { (renewed, tokenRun), (person, jwtRun) })
        {
            await WaitForAsync(client, run, r => State(r, "hold") == "waiting", "the run never waited");
            using var go = await client.PostAsJsonAsync($"runs/{run}/events", new { @event = "go" }, Ct);
            Assert.Equal(HttpStatusCode.OK, go.StatusCode);
        }

        var refused = await WaitForEndAsync(renewed, tokenRun);
        Assert.Equal("failed", refused.GetProperty("state").GetString());
        Assert.Contains($"the API key {Prefix(key)} that started this work is revoked", Step(refused, "call").GetProperty("error").GetString(), StringComparison.Ordinal);
        var done = await WaitForEndAsync(person, jwtRun);
        Assert.Equal("completed", done.GetProperty("state").GetString());
        Assert.Equal("Hello, after!", Step(done, "call").GetProperty("output").GetString());
        Assert.Single(await AuditAsync(admin, "service", "tools/call"), e => e.GetProperty("outcome").GetString() == "denied");
    }

    [Fact]
    public async Task RevokedKey_TaskQueuedBeforeTheRevocation_FailsWithPermissionDeniedWhenAWorkerTakesIt()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: false);
        var gateway = await cluster.StartServeAsync("--Queue:InProcessWorker=false"); // the task waits for a worker
        string key = await TaskProcesses.CreateKeyAsync(gateway, cluster.AdminKey, "queuer", "agent");
        string taskId = await TaskProcesses.StartSlowComputeAsync(gateway, key, 0.1, "queued");
        string renewed;
        using (var admin = Client(gateway, cluster.AdminKey))
        {
            renewed = await RotateAsync(admin, key);
        }

        await cluster.StartWorkerAsync();
        var done = await TaskProcesses.WaitForTerminalAsync(gateway, renewed, taskId, Finish);

        Assert.Equal("failed", done.GetProperty("status").GetString());
        var error = done.GetProperty("error");
        Assert.Equal(-32003, error.GetProperty("code").GetInt32());
        Assert.Contains($"the API key {Prefix(key)} that started this work is revoked", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("credential-refused", error.GetProperty("data").GetProperty("reason").GetString());
    }

    private static string State(JsonElement run, string step) => Step(run, step).GetProperty("state").GetString()!;

    private static Task<JsonElement> WaitForEndAsync(HttpClient http, string runId) =>
        WaitForAsync(http, runId, r => r.GetProperty("state").GetString() is "completed" or "failed" or "cancelled", "the run never finished");

    internal static string Prefix(string key) => ApiKeyFormat.TryParse(key, out string? prefix, out _) ? prefix : throw new ArgumentException("not a key", nameof(key));

    /// <summary>Rotates the key (which revokes it) and returns its replacement, a key of the same principal.</summary>
    internal static async Task<string> RotateAsync(HttpClient admin, string key)
    {
        using var rotated = await admin.PostAsync(new Uri($"keys/{Prefix(key)}/rotate", UriKind.Relative), null, Ct);
        string body = await rotated.Content.ReadAsStringAsync(Ct);
        Assert.True(rotated.StatusCode == HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("key").GetString()!;
    }

    private static async Task<List<JsonElement>> AuditAsync(HttpClient admin, string actor, string action)
    {
        var page = JsonDocument.Parse(await admin.GetStringAsync(new Uri($"audit?actor={actor}&action={action}", UriKind.Relative), Ct)).RootElement;
        return [.. page.GetProperty("events").EnumerateArray()];
    }
}
