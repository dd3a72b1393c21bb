using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Switchboard.Gateway.Tests.Http.Fuzzing;

/// <summary>
/// Thousands of hostile requests, generated from a fixed seed (<c>SWITCHBOARD_FUZZ_SEED</c> picks another, to explore):
/// none may get a 5xx, leak a stack trace or an SDK type name, hang, or answer in a shape the README does not
/// document (a JSON-RPC message on MCP endpoints, problem details on the admin API); a valid call still works after.
/// </summary>
public sealed partial class HostileInputFuzzTests(FuzzedGatewayServer gateway) : IClassFixture<FuzzedGatewayServer>
{
    private const int DefaultSeed = 20261127;
    private static readonly TimeSpan PerRequestBound = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task HostileRequests_NeverGetA5xx_AndAlwaysGetADocumentedError()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("SWITCHBOARD_FUZZ_SEED"), CultureInfo.InvariantCulture, out int s) ? s : DefaultSeed;
        var requests = new HostileRequests(seed, GatewayServer.MaxRequestBodyBytes).All(await ListToolsAsync()).ToList();
        var failures = new ConcurrentQueue<string>();
        using var http = new HttpClient { Timeout = PerRequestBound };

        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (request, ct) =>
        {
            if (await CheckAsync(http, request, ct) is { } problem)
            {
                failures.Enqueue($"{request} => {problem}");
            }
        });

        Assert.True(requests.Count >= 3000, $"only {requests.Count} requests were generated");
        Assert.True(failures.IsEmpty, $"{failures.Count} of {requests.Count} hostile requests (seed {seed}) were answered wrongly:{Environment.NewLine}{string.Join(Environment.NewLine, failures.Take(25))}");
        await AssertAValidCallStillWorksAsync(http);
    }

    [Theory]
    [InlineData("chunk size that overflows", "Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n")]
    [InlineData("chunk size that is not hex", "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n")]
    [InlineData("chunk without its CRLF", "Transfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n")]
    [InlineData("two Content-Length headers", "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}")]
    [InlineData("negative Content-Length", "Content-Length: -1\r\n\r\n{}")]
    [InlineData("Content-Length and chunked", "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")]
    [InlineData("header of 40 KB", "X-Padding: {pad}\r\nContent-Length: 2\r\n\r\n{}")]
    public async Task MalformedHttp_IsNeverA5xx(string name, string tail)
    {
        string head = $"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {gateway.AdminKey}\r\n" +
            "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\nConnection: close\r\n";
        using var client = new TcpClient();
        await client.ConnectAsync(gateway.BaseAddress.Host, gateway.BaseAddress.Port, Ct);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head + tail.Replace("{pad}", new string('p', 40 * 1024), StringComparison.Ordinal)), Ct);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string response = await reader.ReadToEndAsync(Ct).WaitAsync(PerRequestBound, Ct);

        // Kestrel itself refuses malformed HTTP before any middleware runs; it closes the connection or answers 4xx.
        Assert.True(response.Length == 0 || response.Split(' ', 3)[1][0] == '4', $"{name}: {response}");
    }

    private async Task<string?> CheckAsync(HttpClient http, HostileRequest hostile, CancellationToken cancellationToken)
    {
        using var request = hostile.ToHttpRequest(gateway.BaseAddress, gateway.AdminKey);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within {PerRequestBound.TotalSeconds} s";
        }
        catch (HttpRequestException e)
        {
            // The server may close a connection on a request it will not read (an oversized header); never reset one it answered.
            return e.HttpRequestError is HttpRequestError.ResponseEnded or HttpRequestError.SecureConnectionError ? null : $"transport error {e.HttpRequestError}: {e.Message}";
        }

        using (response)
        {
            string body = await response.Content.ReadAsStringAsync(cancellationToken);
            int status = (int)response.StatusCode;
            if (status >= 500)
            {
                return $"{status}: {body}";
            }

            if (LeaksInternals().IsMatch(body))
            {
                return $"{status} leaks internals: {body}";
            }

            return status is 202 or 204 || IsDocumentedShape(hostile.Path, response, body) || IsKestrelRejection(response, body)
                ? null
                : $"{status} with an undocumented body: '{body}'";
        }
    }

    // A JSON-RPC message on MCP endpoints (as JSON, or the last event of an SSE stream); problem details elsewhere.
    private static bool IsDocumentedShape(string path, HttpResponseMessage response, string body)
    {
        string json = response.Content.Headers.ContentType?.MediaType == "text/event-stream"
            ? body.Split('\n').LastOrDefault(l => l.StartsWith("data:", StringComparison.Ordinal))?[5..] ?? string.Empty
            : body;
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            return path.StartsWith("/api/", StringComparison.Ordinal)
                ? root.TryGetProperty("status", out _) || response.IsSuccessStatusCode
                : root.TryGetProperty("jsonrpc", out _) && (root.TryGetProperty("result", out _) || root.TryGetProperty("error", out var error) && error.TryGetProperty("message", out _));
        }
        catch (JsonException)
        {
            return false;
        }
    }

    // Kestrel refuses malformed HTTP (a NUL in the path, an oversized header) before any middleware runs: a bare 4xx
    // and a closed connection, as the README documents.
    private static bool IsKestrelRejection(HttpResponseMessage response, string body) =>
        (int)response.StatusCode is >= 400 and < 500 && body.Length == 0 && response.Headers.ConnectionClose == true;

    private async Task<IReadOnlyList<(string Name, JsonElement Schema)>> ListToolsAsync()
    {
        await using var client = await gateway.ConnectAsync("/mcp", protocolVersion: null);
        var tools = await client.ListToolsAsync(cancellationToken: Ct);
        // Built-in servers without side effects; the everything fixture's tools call back into the client.
        return [.. tools
            .Where(t => t.Name.StartsWith("financial__", StringComparison.Ordinal) || t.Name.StartsWith("utilities__", StringComparison.Ordinal))
            .Select(t => (t.Name, t.JsonSchema))];
    }

    private async Task AssertAValidCallStillWorksAsync(HttpClient http)
    {
        var valid = HostileRequest.Sessionless("check", "valid call", "tools/call", new() { ["name"] = "utilities__uuid_v4", ["arguments"] = new System.Text.Json.Nodes.JsonObject() }, 1);
        using var request = valid.ToHttpRequest(gateway.BaseAddress, gateway.AdminKey);
        using var response = await http.SendAsync(request, Ct);
        string body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK && body.Contains("\"result\"", StringComparison.Ordinal), $"a valid call after the run: {(int)response.StatusCode} {body}");
    }

    // Stack frames, exception type names and the SDK's own type names are for logs, never for clients.
    [GeneratedRegex(@"\s+at [A-Z][\w.]+\.\w+\(|[A-Z]\w+Exception\b|ModelContextProtocol\.|System\.[A-Z]\w+\.")]
    private static partial Regex LeaksInternals();
}

/// <summary>The gateway under fuzzing: rate limits out of the way, so that every answer is about the input.</summary>
public sealed class FuzzedGatewayServer : GatewayServer
{
    protected override string[] ExtraArguments =>
    [
        "--RateLimits:Default:PerPrincipal:Permits=1000000",
        "--RateLimits:Default:PerPrincipal:Burst=1000000",
        "--RateLimits:Default:PerPrincipalTool:Permits=1000000",
        "--RateLimits:Default:PerPrincipalTool:Burst=1000000",
    ];
}
