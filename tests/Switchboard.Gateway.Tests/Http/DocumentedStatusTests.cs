using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Http;

/// <summary>
/// Every error status the README and docs/api.md document is produced here, by the request the docs name, with the
/// body shape they promise: a JSON-RPC error on MCP endpoints, problem details under <c>/api/v1</c>, and nothing at
/// all only where Kestrel refuses malformed HTTP before Switchboard sees it. A status documented without a probe here
/// (or a probe for an undocumented status) fails <see cref="EveryDocumentedStatus_IsProbed"/>.
/// </summary>
public sealed partial class DocumentedStatusTests(GatewayServer gateway) : IClassFixture<GatewayServer>
{
    private const string Ping = """{"jsonrpc":"2.0","id":1,"method":"ping"}""";

    public enum Body
    {
        JsonRpcError,
        ProblemDetails,
        None,
    }

    /// <summary>The statuses whose cause is an outage or stored state, each proven by its own test.</summary>
    private static readonly Dictionary<int, string> ProvenElsewhere = new()
    {
        [409] = "Switchboard.Gateway.Tests.Api.RolesApiTests",
        [429] = "Switchboard.Gateway.Tests.Identity.FailedAuthenticationTests",
        [503] = "Switchboard.Gateway.Tests.Http.StorageUnavailableTests",
    };

    private static readonly HashSet<int> Probed = [400, 401, 403, 404, 405, 408, 413, 414, 415, 431];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("README.md", "## Errors you may see")]
    [InlineData("docs/api.md", "# Admin REST API")]
    public void EveryDocumentedStatus_IsProbed(string document, string section)
    {
        var documented = DocumentedStatuses(document, section);

        Assert.NotEmpty(documented);
        foreach (int status in documented)
        {
            Assert.True(Probed.Contains(status) || ProvenElsewhere.ContainsKey(status), $"{document} documents {status}, which no test produces");
        }

        foreach (var (status, testClass) in ProvenElsewhere)
        {
            Assert.True(typeof(DocumentedStatusTests).Assembly.GetType(testClass) is not null, $"{status} is said to be proven by {testClass}, which does not exist");
        }
    }

    [Fact]
    public void EveryProbedStatus_IsDocumentedForBothSurfaces()
    {
        var readme = DocumentedStatuses("README.md", "## Errors you may see");
        var api = DocumentedStatuses("docs/api.md", "# Admin REST API");

        Assert.Empty(Probed.Except(readme));
        Assert.Empty(Probed.Except([400, 414, 431]).Except(api)); // the bare Kestrel refusals come before any route
    }

    [Theory]
    [InlineData("not JSON", "POST", "/mcp", "{", 400, Body.JsonRpcError)]
    [InlineData("admin body not JSON", "POST", "/api/v1/keys", "{", 400, Body.ProblemDetails)]
    [InlineData("no such path", "GET", "/no/such/path", "", 404, Body.JsonRpcError)]
    [InlineData("no such server", "POST", "/servers/no-such-server/mcp", Ping, 404, Body.JsonRpcError)]
    [InlineData("no such admin resource", "GET", "/api/v1/no-such-resource", "", 404, Body.ProblemDetails)]
    [InlineData("no such key", "GET", "/api/v1/keys/sbk_nosuchkey", "", 404, Body.ProblemDetails)]
    [InlineData("a method the MCP endpoint does not take", "PUT", "/mcp", Ping, 405, Body.JsonRpcError)]
    [InlineData("a method the admin API does not take", "PUT", "/api/v1/keys", "{}", 405, Body.ProblemDetails)]
    public async Task AuthenticatedRequest_GetsTheDocumentedStatusAndBody(string name, string method, string path, string body, int expected, Body shape)
    {
        var response = await RawHttp.SendAsync(gateway.BaseAddress, method, path, gateway.AdminKey, body.Length > 0 ? ["application/json"] : [], body, Ct);

        AssertShape(name, response, expected, shape);
    }

    [Theory]
    [InlineData("/mcp", Body.JsonRpcError)]
    [InlineData("/api/v1/keys", Body.ProblemDetails)]
    public async Task NoCredentials_Is401WithTheChallenge(string path, Body shape)
    {
        var response = await RawHttp.SendAsync(gateway.BaseAddress, "POST", path, bearer: null, ["application/json"], Ping, Ct);

        AssertShape("no credentials", response, 401, shape);
    }

    [Fact]
    public async Task ForeignHost_Is403()
    {
        string request = $"POST /mcp HTTP/1.1\r\nHost: attacker.example\r\nAuthorization: Bearer {gateway.AdminKey}\r\n" +
            $"Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {Ping.Length}\r\nConnection: close\r\n\r\n{Ping}";

        AssertShape("foreign Host", await RawHttp.ExchangeAsync(gateway.BaseAddress, request, Ct), 403, Body.JsonRpcError);
    }

    [Theory]
    [InlineData("/mcp", Body.JsonRpcError)]
    [InlineData("/api/v1/keys", Body.ProblemDetails)]
    public async Task BodyOverTheLimit_Is413(string path, Body shape)
    {
        string body = $$"""{"name":"{{new string('x', GatewayServer.MaxRequestBodyBytes)}}"}""";

        AssertShape("oversized body", await RawHttp.SendAsync(gateway.BaseAddress, "POST", path, gateway.AdminKey, ["application/json"], body, Ct), 413, shape);
    }

    [Theory]
    [InlineData("/mcp", Body.JsonRpcError)]
    [InlineData("/api/v1/keys", Body.ProblemDetails)]
    public async Task BodyThatIsNotJson_Is415(string path, Body shape)
    {
        AssertShape("text/plain body", await RawHttp.SendAsync(gateway.BaseAddress, "POST", path, gateway.AdminKey, ["text/plain"], Ping, Ct), 415, shape);
    }

    [Theory]
    [InlineData("/mcp", Body.JsonRpcError)]
    [InlineData("/api/v1/keys", Body.ProblemDetails)]
    public async Task BodyThatStalls_Is408(string path, Body shape)
    {
        // Kestrel's minimum body data rate (240 bytes/s after a 5 s grace period) ends a body that stops arriving.
        string head = $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {gateway.AdminKey}\r\n" +
            "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n{\"jsonrpc\":";
        using var client = new TcpClient();
        await client.ConnectAsync(gateway.BaseAddress.Host, gateway.BaseAddress.Port, Ct);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), Ct);

        var response = await RawHttp.ReadAsync(stream, Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        AssertShape("stalled body", response, 408, shape);
    }

    [Theory]
    [InlineData("a request line over 8 KB", 414, "GET /mcp?{pad} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")]
    [InlineData("headers over 32 KB", 431, "GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: {pad}\r\n\r\n")]
    [InlineData("a NUL in the path", 400, "GET /mcp\0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")]
    public async Task MalformedHttp_IsABareKestrelRefusal(string name, int expected, string request)
    {
        var response = await RawHttp.ExchangeAsync(gateway.BaseAddress, request.Replace("{pad}", new string('p', 40 * 1024), StringComparison.Ordinal), Ct);

        AssertShape(name, response, expected, Body.None);
    }

    private static void AssertShape(string name, RawResponse response, int expected, Body shape)
    {
        Assert.True(response.Status == expected, $"{name}: expected {expected}, got {response.Status} {response.Body}");
        switch (shape)
        {
            case Body.None:
                Assert.True(response.Body.Length == 0, $"{name}: {response.Body}");
                break;
            case Body.JsonRpcError:
                var error = JsonDocument.Parse(response.Body).RootElement.GetProperty("error");
                Assert.True(error.GetProperty("code").GetInt32() < 0, $"{name}: {response.Body}");
                Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()), $"{name}: {response.Body}");
                break;
            case Body.ProblemDetails:
                var problem = JsonDocument.Parse(response.Body).RootElement;
                Assert.Equal(expected, problem.GetProperty("status").GetInt32());
                Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()), $"{name}: {response.Body}");
                break;
        }

        Assert.DoesNotContain("   at ", response.Body, StringComparison.Ordinal); // no stack trace, whatever the shape
    }

    private static SortedSet<int> DocumentedStatuses(string document, string section)
    {
        string text = File.ReadAllText(Path.Combine(Repository.Root, document));
        int start = text.IndexOf(section, StringComparison.Ordinal);
        Assert.True(start >= 0, $"{document} has no section '{section}'");
        int end = text.IndexOf("\n## ", start + section.Length, StringComparison.Ordinal);
        string table = text[start..(end < 0 ? text.Length : end)];
        return [.. StatusPattern().Matches(table).Select(m => int.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture))];
    }

    // A 4xx or 5xx standing alone in a table cell or a sentence, not inside a JSON-RPC code (-32600) or a number (4194304).
    [GeneratedRegex(@"(?<![\w-])[45]\d\d(?!\w)")]
    private static partial Regex StatusPattern();
}
