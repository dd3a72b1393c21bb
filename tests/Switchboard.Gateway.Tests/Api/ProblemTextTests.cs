using System.Net;
using static Switchboard.Gateway.Tests.Api.AdminApiServer;

namespace Switchboard.Gateway.Tests.Api;

/// <summary>Problem details are plain text that quotes what the caller sent: control characters in it come back escaped.</summary>
public sealed class ProblemTextTests(AdminApiServer gateway) : IClassFixture<AdminApiServer>
{
    [Fact]
    public async Task UnknownKey_WithNewlineAndTabInTheId_IsNamedEscapedInTheDetail()
    {
        using var admin = gateway.Client();

        using var response = await admin.GetAsync(new Uri("/api/v1/keys/x%0A2%09forged%1B[2J", UriKind.Relative), TestContext.Current.CancellationToken);
        string detail = (await ReadJsonAsync(response)).GetProperty("detail").GetString()!;

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains(@"'x\n2\tforged\u001B[2J'", detail, StringComparison.Ordinal);
        Assert.DoesNotContain(detail, char.IsControl);
    }
}
