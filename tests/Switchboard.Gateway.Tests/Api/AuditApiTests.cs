using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;
using static Switchboard.Gateway.Tests.Api.AdminApiServer;

namespace Switchboard.Gateway.Tests.Api;

/// <summary><c>/api/v1/audit</c>: filtered, paged queries and verification, behind <c>admin:audit</c>.</summary>
public sealed class AuditApiTests(AdminApiServer gateway) : IClassFixture<AdminApiServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Query_FiltersByActorAndAction_AndPagesOldestFirst()
    {
        string actor = $"tester-{Guid.NewGuid():N}";
        var store = gateway.Services.GetRequiredService<IAuditStore>();
        for (int i = 0; i < 5; i++)
        {
            await store.AppendAsync(new AuditEventDraft(DateTimeOffset.UtcNow, actor, "test.event", $"t{i}", "ok", $$"""{"i":{{i}}}"""), Ct);
        }

        await store.AppendAsync(new AuditEventDraft(DateTimeOffset.UtcNow, actor, "other.event", "x", "ok", null), Ct);
        using var admin = gateway.Client();

        var first = await GetAsync(admin, $"/api/v1/audit?actor={actor}&action=test.event&limit=3");
        long next = first.GetProperty("next").GetInt64();
        var second = await GetAsync(admin, $"/api/v1/audit?actor={actor}&action=test.event&limit=3&after={next}");

        var targets = first.GetProperty("events").EnumerateArray().Concat(second.GetProperty("events").EnumerateArray())
            .Select(e => e.GetProperty("target").GetString());
        Assert.Equal(["t0", "t1", "t2", "t3", "t4"], targets);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, second.GetProperty("next").ValueKind);
        Assert.Equal(4, second.GetProperty("events")[1].GetProperty("details").GetProperty("i").GetInt32());
        var byTarget = await GetAsync(admin, $"/api/v1/audit?actor={actor}&target=t3&outcome=ok");
        Assert.Equal(["t3"], byTarget.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("target").GetString()));
    }

    [Fact]
    public async Task Query_ByTime_ExcludesEventsOutsideTheWindow()
    {
        string actor = $"clock-{Guid.NewGuid():N}";
        var store = gateway.Services.GetRequiredService<IAuditStore>();
        var old = new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await store.AppendAsync(new AuditEventDraft(old, actor, "test.event", "old", "ok", null), Ct);
        await store.AppendAsync(new AuditEventDraft(DateTimeOffset.UtcNow, actor, "test.event", "new", "ok", null), Ct);
        using var admin = gateway.Client();

        var page = await GetAsync(admin, $"/api/v1/audit?actor={actor}&from=2020-01-01T00:00:00Z");

        Assert.Equal(["new"], page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("target").GetString()));
    }

    [Fact]
    public async Task Verify_ReportsAnIntactChain()
    {
        using var admin = gateway.Client();

        var result = await GetAsync(admin, "/api/v1/audit/verify");

        Assert.True(result.GetProperty("intact").GetBoolean());
        Assert.True(result.GetProperty("checked").GetInt64() > 0);
    }

    [Theory]
    [InlineData("limit=0", "'limit'")]
    [InlineData("limit=1001", "'limit'")]
    public async Task Query_WithBadParameters_Is400(string query, string expected)
    {
        using var admin = gateway.Client();

        using var response = await admin.GetAsync(new Uri($"/api/v1/audit?{query}", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, (await ReadJsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/v1/audit?from=yesterday", "The query parameter 'from' must be a date and time such as 2026-11-29T12:00:00Z; 'yesterday' is not.")]
    [InlineData("/api/v1/audit?limit=abc", "The query parameter 'limit' must be a whole number; 'abc' is not.")]
    [InlineData("/api/v1/audit?after=1.5", "The query parameter 'after' must be a whole number; '1.5' is not.")]
    [InlineData("/api/v1/audit?LIMIT=ten", "The query parameter 'limit' must be a whole number; 'ten' is not.")]
    [InlineData("/api/v1/runs?limit=5%0Ax", "The query parameter 'limit' must be a whole number; '5\\nx' is not.")]
    public async Task Query_WithAValueOfTheWrongKind_Is400_SayingWhichAndWhatItMustBe(string path, string detail)
    {
        using var admin = gateway.Client();

        using var response = await admin.GetAsync(new Uri(path, UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(detail, (await ReadJsonAsync(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task AgentMayNotReadTheAuditTrail_ViewerMay()
    {
        var agent = await gateway.CreateKeyAsync("agent");
        var viewer = await gateway.CreateKeyAsync("viewer");
        using var asAgent = gateway.Client(agent.Key);
        using var asViewer = gateway.Client(viewer.Key);

        using var refused = await asAgent.GetAsync(new Uri("/api/v1/audit", UriKind.Relative), Ct);
        using var allowed = await asViewer.GetAsync(new Uri("/api/v1/audit", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("admin:audit", (await ReadJsonAsync(refused)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task ApiRequestsBeyondThePrincipalsLimit_Are429WithRetryAfter()
    {
        var auditor = await gateway.CreateKeyAsync(Auditor);
        using var client = gateway.Client(auditor.Key);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (int i = 0; i < 3; i++)
        {
            last?.Dispose();
            last = await client.GetAsync(new Uri("/api/v1/audit/verify", UriKind.Relative), Ct);
            statuses.Add(last.StatusCode);
        }

        using var refused = last!;
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.InRange(refused.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(31));
        Assert.Contains("Rate limit 'principal'", (await ReadJsonAsync(refused)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static async Task<System.Text.Json.JsonElement> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ReadJsonAsync(response);
    }
}
