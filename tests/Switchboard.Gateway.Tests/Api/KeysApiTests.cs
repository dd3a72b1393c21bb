using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;
using static Switchboard.Gateway.Tests.Api.AdminApiServer;

namespace Switchboard.Gateway.Tests.Api;

/// <summary><c>/api/v1/keys</c>: the CLI's key operations over HTTP, behind <c>admin:keys</c>.</summary>
public sealed class KeysApiTests(AdminApiServer gateway) : IClassFixture<AdminApiServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Create_ReturnsTheKeyOnce_ListShowsItWithoutTheSecret_AndTheKeyWorks()
    {
        using var admin = gateway.Client();
        string name = $"ci-{Guid.NewGuid():N}";

        using var created = await admin.PostAsJsonAsync("/api/v1/keys", new { name, roles = new[] { "agent" } }, Ct);
        var body = await ReadJsonAsync(created);
        string key = body.GetProperty("key").GetString()!;
        string id = body.GetProperty("info").GetProperty("id").GetString()!;
        using var listed = await admin.GetAsync(new Uri("/api/v1/keys", UriKind.Relative), Ct);
        string list = await listed.Content.ReadAsStringAsync(Ct);
        using var asAgent = gateway.Client(key);
        using var agentListing = await asAgent.GetAsync(new Uri("/api/v1/keys", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/api/v1/keys/{id}", created.Headers.Location?.OriginalString);
        Assert.StartsWith("sbk_", key, StringComparison.Ordinal);
        Assert.Equal(["agent"], body.GetProperty("info").GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        Assert.Contains(name, list, StringComparison.Ordinal);
        Assert.DoesNotContain(key.Split('_')[2], list, StringComparison.Ordinal);
        // The key authenticates (403, not 401): an agent may not manage keys.
        Assert.Equal(HttpStatusCode.Forbidden, agentListing.StatusCode);
    }

    [Fact]
    public async Task Rotate_ReplacesTheKey_AndRevoke_StopsIt()
    {
        using var admin = gateway.Client();
        var original = await gateway.CreateKeyAsync(Auditor);

        using var rotated = await admin.PostAsync(new Uri($"/api/v1/keys/{original.Info.Id}/rotate", UriKind.Relative), null, Ct);
        var replacement = await ReadJsonAsync(rotated);
        string newKey = replacement.GetProperty("key").GetString()!;
        string newId = replacement.GetProperty("info").GetProperty("id").GetString()!;
        var oldKeyStatus = await AuditStatusAsync(original.Key);
        var newKeyStatus = await AuditStatusAsync(newKey);
        using var revoked = await admin.DeleteAsync(new Uri($"/api/v1/keys/{newId}", UriKind.Relative), Ct);
        var revokedInfo = await ReadJsonAsync(revoked);

        Assert.Equal(HttpStatusCode.Created, rotated.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, oldKeyStatus);
        Assert.Equal(HttpStatusCode.OK, newKeyStatus);
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Equal(JsonValueKind.String, revokedInfo.GetProperty("revokedAt").ValueKind);
        Assert.Equal(HttpStatusCode.Unauthorized, await AuditStatusAsync(newKey));
    }

    [Theory]
    [InlineData("9999-12-31T23:59:59.9999999+00:00")]
    [InlineData("9999-12-31T23:59:59Z")]
    public async Task KeyUntilTheEndOfTheCalendar_CanBeCreatedAndRotated(string expiresAt)
    {
        using var admin = gateway.Client();
        using var created = await admin.PostAsync(
            new Uri("/api/v1/keys", UriKind.Relative),
            new StringContent($$"""{"name":"forever-{{Guid.NewGuid():N}}","roles":["viewer"],"expiresAt":"{{expiresAt}}"}""", System.Text.Encoding.UTF8, "application/json"),
            Ct);
        string id = (await ReadJsonAsync(created)).GetProperty("info").GetProperty("id").GetString()!;

        using var rotated = await admin.PostAsync(new Uri($"/api/v1/keys/{id}/rotate", UriKind.Relative), null, Ct);
        var replacement = await ReadJsonAsync(rotated);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Created, rotated.StatusCode);
        Assert.StartsWith("9999-12-31", replacement.GetProperty("info").GetProperty("expiresAt").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyChangesThroughTheApi_AreAuditedAsTheCaller()
    {
        using var admin = gateway.Client();
        string name = $"audited-{Guid.NewGuid():N}";

        using var created = await admin.PostAsJsonAsync("/api/v1/keys", new { name, roles = new[] { "viewer" } }, Ct);
        string prefix = (await ReadJsonAsync(created)).GetProperty("info").GetProperty("prefix").GetString()!;
        using var page = await admin.GetAsync(new Uri("/api/v1/audit?action=keys.create&limit=1000", UriKind.Relative), Ct);
        var events = (await ReadJsonAsync(page)).GetProperty("events").EnumerateArray().ToList();

        var audited = Assert.Single(events, e => e.GetProperty("target").GetString() == prefix);
        Assert.Equal("admin", audited.GetProperty("actor").GetString());
        Assert.Contains(name, audited.GetProperty("details").GetProperty("note").GetString(), StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadCreateRequests => new()
    {
        { """{"roles":["agent"]}""", "'name' is required" },
        { """{"name":"x-unknown-role","roles":["wizard"]}""", "There is no role 'wizard'" },
        { """{"name":"x-no-roles","roles":[]}""", "at least one role" },
        { """{"name":"x-past","roles":["agent"],"expiresAt":"2001-01-01T00:00:00Z"}""", "in the past" },
        { """{"name":"admin","roles":["agent"]}""", "is taken" },
        { """{"name":"a\u0000b","roles":["agent"]}""", "U+0000" },
        { """{"name":"x\u001b[31mred","roles":["agent"]}""", "U+001B" },
        { """{"name":"\u202eevil","roles":["agent"]}""", "U+202E" },
        { """{"name":"ad\u2066min","roles":["agent"]}""", "U+2066" },
        { """{"name":"ad\u200bmin","roles":["agent"]}""", "U+200B" },
        { """{"name":"line\u2028break","roles":["agent"]}""", "U+2028" },
        { $$"""{"name":"{{new string('n', 201)}}","roles":["agent"]}""", "at most 200 characters" },
    };

    [Theory]
    [InlineData("Zoë Müller (CI, nightly)")]
    [InlineData("دفتر-الحسابات")]
    [InlineData("ci 🚀 deploy")]
    public async Task Create_WithAHumanName_InAnyScript_IsAccepted(string name)
    {
        using var admin = gateway.Client();

        using var created = await admin.PostAsJsonAsync("/api/v1/keys", new { name = $"{name} {Guid.NewGuid():N}", roles = new[] { "agent" } }, Ct);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    [Theory]
    [MemberData(nameof(BadCreateRequests))]
    public async Task Create_WithBadInput_Is400WithAProblemThatSaysWhatToFix(string json, string expected)
    {
        using var admin = gateway.Client();

        using var response = await admin.PostAsync(new Uri("/api/v1/keys", UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"), Ct);
        var problem = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(expected, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_WithMalformedJson_Is400_AndCreatesNothing()
    {
        using var admin = gateway.Client();
        using var before = await admin.GetAsync(new Uri("/api/v1/keys", UriKind.Relative), Ct);
        int count = (await ReadJsonAsync(before)).GetArrayLength();

        using var response = await admin.PostAsync(new Uri("/api/v1/keys", UriKind.Relative), new StringContent("""{"name":"half""", Encoding.UTF8, "application/json"), Ct);
        using var after = await admin.GetAsync(new Uri("/api/v1/keys", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(count, (await ReadJsonAsync(after)).GetArrayLength());
    }

    [Theory]
    [InlineData("GET", "/api/v1/keys/no-such-key")]
    [InlineData("DELETE", "/api/v1/keys/no-such-key")]
    [InlineData("POST", "/api/v1/keys/no-such-key/rotate")]
    public async Task UnknownKey_Is404(string method, string path)
    {
        using var admin = gateway.Client();

        using var response = await admin.SendAsync(new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative)), Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("no-such-key", (await ReadJsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutCredentials_Is401WithTheMcpChallenge()
    {
        using var anonymous = gateway.Client(key: string.Empty);

        using var response = await anonymous.GetAsync(new Uri("/api/v1/keys", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("resource_metadata", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutThePermission_Is403NamingIt_AndTheRefusalIsAudited()
    {
        var viewer = await gateway.CreateKeyAsync("viewer");
        using var client = gateway.Client(viewer.Key);

        using var response = await client.PostAsJsonAsync("/api/v1/keys", new { name = "escalate", roles = new[] { "admin" } }, Ct);
        var problem = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("admin:keys", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var refused = Assert.Single(await gateway.Services.GetRequiredService<IAuditStore>().QueryAsync(new AuditQuery(Actor: viewer.Info.Principal), Ct));
        Assert.Equal(("POST /api/v1/keys", "denied"), (refused.Action, refused.Outcome));
    }

    [Fact]
    public async Task KeyManager_CannotCreateAKeyWithPermissionsItLacks_Is403NamingOne_AndAudited()
    {
        var manager = await gateway.CreateKeyAsync(KeyManager);
        using var client = gateway.Client(manager.Key);

        using var asAdmin = await client.PostAsJsonAsync("/api/v1/keys", new { name = $"escalated-{Guid.NewGuid():N}", roles = new[] { "admin" } }, Ct);
        using var asAgent = await client.PostAsJsonAsync("/api/v1/keys", new { name = $"agent-{Guid.NewGuid():N}", roles = new[] { "agent" } }, Ct);
        using var asItself = await client.PostAsJsonAsync("/api/v1/keys", new { name = $"peer-{Guid.NewGuid():N}", roles = new[] { KeyManager } }, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, asAdmin.StatusCode);
        Assert.Contains("grant '*'", (await ReadJsonAsync(asAdmin)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, asAgent.StatusCode);
        Assert.Contains("grant 'tools:call'", (await ReadJsonAsync(asAgent)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, asItself.StatusCode);
        var refusals = await gateway.Services.GetRequiredService<IAuditStore>().QueryAsync(new AuditQuery(Actor: manager.Info.Principal, Outcome: "denied"), Ct);
        Assert.Equal(["POST /api/v1/keys", "POST /api/v1/keys"], refusals.Select(e => e.Action));
        Assert.DoesNotContain(await ListedNamesAsync(), n => n.StartsWith("escalated-", StringComparison.Ordinal) || n.StartsWith("agent-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ACallerHoldingEveryPermission_CreatesKeysWithRolesItDoesNotHoldByName()
    {
        // The rule is by permission: operator's permissions include all of agent's and viewer's.
        var manager = await gateway.CreateKeyAsync(KeyManager, "operator");
        using var client = gateway.Client(manager.Key);

        using var created = await client.PostAsJsonAsync("/api/v1/keys", new { name = $"worker-{Guid.NewGuid():N}", roles = new[] { "agent", "viewer" } }, Ct);
        using var asAdmin = await client.PostAsJsonAsync("/api/v1/keys", new { name = $"escalated-{Guid.NewGuid():N}", roles = new[] { "admin" } }, Ct);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, asAdmin.StatusCode);
    }

    [Fact]
    public async Task KeyManager_CannotRotateAKeyWithPermissionsItLacks_TheKeyKeepsWorking()
    {
        var manager = await gateway.CreateKeyAsync(KeyManager);
        var administrator = await gateway.CreateKeyAsync("admin");
        var peer = await gateway.CreateKeyAsync(KeyManager);
        using var client = gateway.Client(manager.Key);

        using var refused = await client.PostAsync(new Uri($"/api/v1/keys/{administrator.Info.Prefix}/rotate", UriKind.Relative), null, Ct);
        var problem = await ReadJsonAsync(refused);
        using var rotated = await client.PostAsync(new Uri($"/api/v1/keys/{peer.Info.Id}/rotate", UriKind.Relative), null, Ct);
        using var revoked = await client.DeleteAsync(new Uri($"/api/v1/keys/{administrator.Info.Id}", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("grant '*'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(problem.TryGetProperty("key", out _));
        Assert.Equal(HttpStatusCode.Created, rotated.StatusCode);
        // Revoking hands nothing out: it stays with admin:keys.
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
    }

    [Theory]
    [InlineData("""{"name":"half""")]
    [InlineData("""{"roles":"admin"}""")]
    public async Task WithoutThePermission_AMalformedBody_Is403_Not400(string body)
    {
        // A 400 would tell a caller who may not create keys how to shape a request that creates one.
        var viewer = await gateway.CreateKeyAsync("viewer");
        using var client = gateway.Client(viewer.Key);

        using var response = await client.PostAsync(new Uri("/api/v1/keys", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("admin:keys", (await ReadJsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConcurrentCreates_OfOneName_OneKeyIsCreated_TheOthersAreToldTheNameIsTaken()
    {
        using var admin = gateway.Client();
        string name = $"race-{Guid.NewGuid():N}";

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            admin.PostAsJsonAsync("/api/v1/keys", new { name, roles = new[] { "viewer" } }, Ct)));
        var statuses = responses.Select(r => r.StatusCode).ToList();
        var refusals = await Task.WhenAll(responses.Where(r => r.StatusCode == HttpStatusCode.BadRequest).Select(ReadJsonAsync));

        Assert.Single(statuses, HttpStatusCode.Created);
        Assert.All(statuses.Where(s => s != HttpStatusCode.Created), s => Assert.Equal(HttpStatusCode.BadRequest, s));
        Assert.All(refusals, p => Assert.Contains("is taken", p.GetProperty("detail").GetString(), StringComparison.Ordinal));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    private async Task<HttpStatusCode> AuditStatusAsync(string key)
    {
        using var client = gateway.Client(key);
        using var response = await client.GetAsync(new Uri("/api/v1/audit/verify", UriKind.Relative), Ct);
        return response.StatusCode;
    }

    private async Task<IEnumerable<string>> ListedNamesAsync()
    {
        using var admin = gateway.Client();
        using var listed = await admin.GetAsync(new Uri("/api/v1/keys", UriKind.Relative), Ct);
        return (await ReadJsonAsync(listed)).EnumerateArray().Select(k => k.GetProperty("name").GetString()!).ToList();
    }
}
