using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static Switchboard.Gateway.Tests.Api.AdminApiServer;

namespace Switchboard.Gateway.Tests.Api;

/// <summary><c>GET /api/v1/runs</c>: pages of the caller's runs, without their inputs (probe D9).</summary>
public sealed class RunsListTests(AdminApiServer gateway) : IClassFixture<AdminApiServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Runs_ComeInPages_NewestFirst_WithoutInputs()
    {
        var key = await gateway.CreateKeyAsync("operator");
        using var http = gateway.Client(key.Key);
        string workflow = $"paged-{Guid.NewGuid():N}"[..20];
        using (var added = await http.PostAsJsonAsync("/api/v1/workflows", new { source = $"name: {workflow}\ninputs:\n  blob:\nsteps:\n  - id: approve\n    approval: go?\n" }, Ct))
        {
            Assert.True(added.StatusCode == HttpStatusCode.Created, await added.Content.ReadAsStringAsync(Ct));
        }

        var started = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            using var run = await http.PostAsJsonAsync("/api/v1/runs", new { workflow, inputs = new { blob = new string('x', 10_000) } }, Ct);
            started.Add((await ReadJsonAsync(run)).GetProperty("id").GetString()!);
        }

        var first = await GetAsync(http, "/api/v1/runs?limit=2");
        string next = first.GetProperty("next").GetString()!;
        var second = await GetAsync(http, $"/api/v1/runs?limit=2&after={next}");
        var listed = first.GetProperty("runs").EnumerateArray().Concat(second.GetProperty("runs").EnumerateArray()).ToList();

        Assert.Equal(2, first.GetProperty("runs").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);
        Assert.Equal(started.Order(), listed.Select(r => r.GetProperty("id").GetString()!).Order());
        Assert.All(listed, r => Assert.False(r.TryGetProperty("inputs", out _)));
        Assert.Equal(listed.Select(r => r.GetProperty("createdAt").GetDateTimeOffset()).OrderDescending(), listed.Select(r => r.GetProperty("createdAt").GetDateTimeOffset()));
        Assert.Equal(10_000, (await GetAsync(http, $"/api/v1/runs/{started[0]}")).GetProperty("inputs").GetProperty("blob").GetString()!.Length);
    }

    [Theory]
    [InlineData("limit=0", "'limit' must be between 1 and 1000.")]
    [InlineData("limit=1001", "'limit' must be between 1 and 1000.")]
    [InlineData("limit=-1", "'limit' must be between 1 and 1000.")]
    [InlineData("limit=abc", "limit")]
    [InlineData("after=nope", "'after' must be the id of one of your runs")]
    public async Task BadPaging_IsRefused(string query, string detail)
    {
        using var http = gateway.Client();

        using var response = await http.GetAsync(new Uri($"/api/v1/runs?{query}", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(detail, (await ReadJsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static async Task<JsonElement> GetAsync(HttpClient http, string path) =>
        JsonDocument.Parse(await http.GetStringAsync(new Uri(path, UriKind.Relative), Ct)).RootElement;
}
