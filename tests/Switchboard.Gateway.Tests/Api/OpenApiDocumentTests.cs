using System.Net;
using static Switchboard.Gateway.Tests.Api.AdminApiServer;

namespace Switchboard.Gateway.Tests.Api;

/// <summary>The admin API describes itself in an OpenAPI document, to authenticated callers.</summary>
public sealed class OpenApiDocumentTests(AdminApiServer gateway) : IClassFixture<AdminApiServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Document_ListsTheAdminApi_AndNothingElse()
    {
        using var admin = gateway.Client();

        using var response = await admin.GetAsync(new Uri("/api/v1/openapi.json", UriKind.Relative), Ct);
        var document = await ReadJsonAsync(response);
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.Equal("Switchboard admin API", document.GetProperty("info").GetProperty("title").GetString());
        Assert.Contains("/api/v1/keys", paths);
        Assert.Contains("/api/v1/keys/{id}/rotate", paths);
        Assert.Contains("/api/v1/roles/{name}", paths);
        Assert.Contains("/api/v1/audit", paths);
        Assert.Contains("/api/v1/tokens", paths);
        Assert.DoesNotContain(paths, p => p.Contains("mcp", StringComparison.Ordinal) || p.Contains("healthz", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Document_NeedsAuthentication()
    {
        using var anonymous = gateway.Client(key: string.Empty);

        using var response = await anonymous.GetAsync(new Uri("/api/v1/openapi.json", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
