using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Switchboard.Gateway.Tests.Interop;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Http;

/// <summary>
/// Differential tests of the direct path for sessionless 2026-07-28 <c>tools/call</c> requests to the built-in
/// <c>utilities</c> and <c>financial</c> servers (<c>Gateway:DirectToolCalls</c>): the same raw requests go to a
/// published gateway with the switch off (every call through the MCP SDK) and to one with its default, and the answers
/// must be the same — status, headers but <c>Date</c>, and the body byte for byte once the few random values
/// (<see cref="Normalize"/>) are masked — and so must what the calls leave behind: the SDK's and the gateway's
/// tool-call metrics and the audit trail. Headers are compared as they came on the wire, framing included
/// (<c>Transfer-Encoding: chunked</c>, no <c>Content-Length</c>, on the SDK's path). Until the direct path exists both
/// gateways take the SDK's path and these pass trivially.
/// </summary>
public sealed partial class DirectToolCallTests(DirectToolCallTests.Gateways gateways) : IClassFixture<DirectToolCallTests.Gateways>
{
    private const string Revision = "2026-07-28";
    private const string Capabilities = "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{}";
    private const string ClientInfo = "\"io.modelcontextprotocol/clientInfo\":{\"name\":\"difftest\",\"version\":\"1.0\"}";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Who sends a request: the administrator, a viewer (no <c>tools:call</c>), or a caller limited to one call per tool.</summary>
    public enum Caller
    {
        Admin,
        Viewer,
        Limited,
    }

    /// <summary>What an answer may hold that differs between any two runs, and so is masked before comparing.</summary>
    [Flags]
    public enum Varies
    {
        Nothing = 0,

        /// <summary>UUIDv4s that <c>uuid_v4</c> generated.</summary>
        Uuids = 1,

        /// <summary>The seconds until a rate limit lets the caller through again, which tick down as the test runs.</summary>
        RetryAfter = 2,
    }

    /// <summary>
    /// One request of the matrix: <paramref name="Body"/> is sent as it is to <paramref name="Path"/> with
    /// <paramref name="Tool"/> as <c>Mcp-Name</c>, <paramref name="Times"/> times in a row, each answer compared;
    /// <paramref name="Varies"/> says what in the answer is masked (<see cref="Normalize"/>).
    /// </summary>
    internal sealed record Case(string Tool, string Body, Caller Caller = Caller.Admin, int Times = 1, Varies Varies = Varies.Nothing, string Path = "/mcp");

    // A tools/call as a client without an SDK writes it; empty arguments leave the member out.
    private static string Call(string tool, string arguments, string id = "1", string meta = "{" + Capabilities + "}", string extra = "") =>
        "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool + "\""
        + (arguments.Length == 0 ? string.Empty : ",\"arguments\":" + arguments) + extra + ",\"_meta\":" + meta + "}}";

    private static readonly Dictionary<string, Case> Matrix = new(StringComparer.Ordinal)
    {
        // 1. Results.
        ["uuid_v4"] = new("utilities__uuid_v4", Call("utilities__uuid_v4", "{}"), Varies: Varies.Uuids),
        ["uuid_v4 count 3"] = new("utilities__uuid_v4", Call("utilities__uuid_v4", """{"count":3}"""), Varies: Varies.Uuids),
        ["uuid_v4 with clientInfo"] = new("utilities__uuid_v4", Call("utilities__uuid_v4", """{"count":2}""", meta: $"{{{Capabilities},{ClientInfo}}}"), Varies: Varies.Uuids),
        ["math_evaluate"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", """{"expression":"(1 + 2.5) * 3^2 / sqrt(16)"}""")),
        ["math_evaluate 0.1+0.2"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", """{"expression":"0.1+0.2"}""")),
        ["math_evaluate with clientInfo"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", """{"expression":"2^10"}""", meta: $"{{{Capabilities},{ClientInfo}}}")),
        ["math_evaluate non-ASCII expression"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", """{"expression":"1 + \u00e9 <>&'"}""")),
        ["financial pmt (unstructured number)"] = new("financial__pmt", Call("financial__pmt", """{"rate":0.005,"periods":360,"presentValue":200000}""")),
        ["financial pmt with clientInfo and an enum"] = new("financial__pmt", Call("financial__pmt", """{"rate":0.004,"periods":120,"presentValue":50000,"futureValue":0,"timing":"beginning"}""", meta: $"{{{Capabilities},{ClientInfo}}}")),
        ["financial option_price (structured)"] = new("financial__option_price", Call("financial__option_price", """{"type":"call","spot":100,"strike":95,"years":0.5,"riskFreeRate":0.05,"volatility":0.2}""")),
        ["financial currency_convert (decimal)"] = new("financial__currency_convert", Call("financial__currency_convert", """{"amount":12.345,"from":"EUR","to":"JPY","rate":161.2345}""")),

        // 2. Tool errors.
        ["wrong type"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", """{"expression":5}""")),
        ["wrong type, integer as string"] = new("utilities__uuid_v4", Call("utilities__uuid_v4", """{"count":"2"}""")),
        ["wrong type, fractional integer"] = new("utilities__uuid_v4", Call("utilities__uuid_v4", """{"count":1.5}""")),
        ["missing required"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", "{}")),
        ["missing required, financial"] = new("financial__pmt", Call("financial__pmt", """{"rate":0.005}""")),
        ["out of range, in the tool"] = new("utilities__uuid_v4", Call("utilities__uuid_v4", """{"count":0}""")),
        ["out of range, by attribute"] = new("financial__pmt", Call("financial__pmt", """{"rate":0.005,"periods":-3,"presentValue":1000}""")),
        ["out of range, financial check"] = new("financial__option_price", Call("financial__option_price", """{"type":"put","spot":-1,"strike":95,"years":0.5,"riskFreeRate":0.05,"volatility":0.2}""")),
        ["unknown enum value"] = new("financial__option_price", Call("financial__option_price", """{"type":"sideways","spot":100,"strike":95,"years":0.5,"riskFreeRate":0.05,"volatility":0.2}""")),
        ["extra unknown member"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", """{"expression":"1+1","precision":3}""")),
        ["expression fails to evaluate"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", """{"expression":"1/0"}""")),
        ["expression does not parse"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", """{"expression":"2 * (3 +"}""")),
        ["expression empty"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", """{"expression":"  "}""")),
        ["arguments absent"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", string.Empty)),
        ["arguments absent, all optional"] = new("utilities__uuid_v4", Call("utilities__uuid_v4", string.Empty), Varies: Varies.Uuids),
        ["arguments null"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", "null")),
        ["arguments an array"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", "[\"1+1\"]")),
        ["arguments a string"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", "\"1+1\"")),
        ["financial unsolvable"] = new("financial__currency_convert", Call("financial__currency_convert", """{"amount":1,"from":"EUR","to":"XYZ","rate":1.1}""")),

        // 3. JSON-RPC level.
        ["unknown tool on a built-in server"] = new("utilities__no_such_tool", Call("utilities__no_such_tool", "{}")),
        ["unknown server"] = new("nowhere__uuid_v4", Call("nowhere__uuid_v4", "{}")),
        ["string id"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", """{"expression":"6*7"}""", id: "\"req-\\u00e9-42\"")),
        ["numeric id 0"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", """{"expression":"6*7"}""", id: "0")),
        ["numeric id, large"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", """{"expression":"6*7"}""", id: "9007199254740993")),
        ["numeric id, negative"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", """{"expression":"6*7"}""", id: "-12")),
        ["string id on a tool error"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", """{"expression":"1/0"}""", id: "\"e\"")),
        ["policy refusal"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", """{"expression":"1"}"""), Caller.Viewer),
        ["policy refusal, string id"] = new("financial__pmt", Call("financial__pmt", """{"rate":0.005,"periods":360,"presentValue":200000}""", id: "\"v\""), Caller.Viewer),
        ["policy refusal, unknown tool"] = new("utilities__no_such_tool", Call("utilities__no_such_tool", "{}"), Caller.Viewer),
        ["rate limited"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", """{"expression":"1+2"}"""), Caller.Limited, Times: 3, Varies: Varies.RetryAfter),
        ["rate limited, tool error first"] = new("financial__pmt", Call("financial__pmt", """{"rate":"x"}""", id: "\"r\""), Caller.Limited, Times: 2, Varies: Varies.RetryAfter),

        // 4. _meta the direct path leaves to the SDK.
        ["progressToken"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", """{"expression":"3*3"}""", meta: $"{{{Capabilities},\"progressToken\":\"p-1\"}}")),
        ["progressToken numeric"] = new("utilities__uuid_v4", Call("utilities__uuid_v4", "{}", meta: $"{{{Capabilities},\"progressToken\":17}}"), Varies: Varies.Uuids),
        ["logLevel"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", """{"expression":"3*3"}""", meta: $"{{{Capabilities},\"io.modelcontextprotocol/logLevel\":\"debug\"}}")),
        ["logLevel on a tool error"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", """{"expression":"0/0"}""", meta: $"{{{Capabilities},\"io.modelcontextprotocol/logLevel\":\"info\"}}")),
        ["invalid clientInfo"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", """{"expression":"3*3"}""", meta: $"{{{Capabilities},\"io.modelcontextprotocol/clientInfo\":5}}")),
        ["clientInfo without version"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", """{"expression":"3*3"}""", meta: $"{{{Capabilities},\"io.modelcontextprotocol/clientInfo\":{{\"name\":\"x\"}}}}")),
        ["task in params"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", """{"expression":"3*3"}""", extra: ",\"task\":{\"ttl\":60000}")),
        ["task in params, declared capability"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", """{"expression":"3*3"}""", meta: "{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{\"extensions\":{\"io.modelcontextprotocol/tasks\":{}}}}", extra: ",\"task\":{\"ttl\":60000}")),
        ["other _meta member"] = new("utilities__math_evaluate", Call("utilities__math_evaluate", """{"expression":"3*3"}""", meta: $"{{{Capabilities},\"example.com/trace\":{{\"a\":[1,2]}}}}")),
    };

    public static TheoryData<string> Cases => new(Matrix.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task SameRequest_GetsTheSameAnswer_WithAndWithoutTheDirectPath(string name)
    {
        var request = Matrix[name];
        for (int i = 0; i < request.Times; i++)
        {
            var (viaSdk, direct) = await gateways.SendToBothAsync(request);
            AssertSameAnswer(request.Times == 1 ? name : $"{name} (call {i + 1} of {request.Times})", request, viaSdk, direct);
        }
    }

    [Fact]
    public async Task TheSameCalls_LeaveTheSameMetricsAndAuditTrail()
    {
        // Every test of this class sends each request to both gateways, one test at a time, so whatever ran before
        // this one left the same behind in both; this one adds the whole matrix again.
        foreach (var (name, request) in Matrix)
        {
            for (int i = 0; i < request.Times; i++)
            {
                var (viaSdk, direct) = await gateways.SendToBothAsync(request);
                AssertSameAnswer(name, request, viaSdk, direct);
            }
        }

        var (viaSdkSnapshot, directSnapshot) = await SettledSnapshotsAsync();

        // The calls did take the two paths: the gateway counts those it answered itself.
        Assert.Equal(0, viaSdkSnapshot.DirectCalls);
        Assert.InRange(directSnapshot.DirectCalls, Matrix.Values.Count(c => c.Tool.StartsWith("utilities__", StringComparison.Ordinal)), long.MaxValue);
        Assert.True(
            viaSdkSnapshot.SdkSeries == directSnapshot.SdkSeries,
            Both("mcp_server_operation_duration_seconds_count series differ", viaSdkSnapshot.SdkSeries, directSnapshot.SdkSeries));
        Assert.True(
            viaSdkSnapshot.GatewaySeries == directSnapshot.GatewaySeries,
            Both("switchboard_tool_call_duration_seconds_count series differ", viaSdkSnapshot.GatewaySeries, directSnapshot.GatewaySeries));
        Assert.True(
            viaSdkSnapshot.AuditedCalls.SequenceEqual(directSnapshot.AuditedCalls, StringComparer.Ordinal),
            Both("the audited tools/call events differ", string.Join('\n', viaSdkSnapshot.AuditedCalls), string.Join('\n', directSnapshot.AuditedCalls)));
        Assert.Contains(viaSdkSnapshot.AuditedCalls, e => e.EndsWith(" rate-limited", StringComparison.Ordinal));
        Assert.Contains(viaSdkSnapshot.AuditedCalls, e => e.EndsWith(" denied", StringComparison.Ordinal));
        Assert.Contains(viaSdkSnapshot.AuditedCalls, e => e.EndsWith(" tool-error", StringComparison.Ordinal));
        Assert.Contains("mcp_method_name=\"tools/call\"", viaSdkSnapshot.SdkSeries, StringComparison.Ordinal);

    }

    [Fact]
    public async Task APooledServersFirstCall_GoesToTheSdk_SoItsAnswersAreCountedAsWithoutTheDirectPath()
    {
        // A server labels the sends of its answers with the protocol version it took from the first request whose
        // metadata it read itself; had it answered that first call directly, a later refusal of bad metadata would be
        // counted without a version. Only this test calls the utilities server's own endpoint, a view with servers of
        // its own: they are new here.
        const string path = "/servers/utilities/mcp";
        var valid = new Case("math_evaluate", Call("math_evaluate", """{"expression":"6*7"}"""), Path: path);
        var badClientInfo = new Case("math_evaluate", Call("math_evaluate", """{"expression":"6*7"}""", meta: $"{{{Capabilities},\"io.modelcontextprotocol/clientInfo\":5}}"), Path: path);
        long directBefore = (await SettledSnapshotsAsync()).Direct.DirectCalls;

        var (viaSdk, direct) = await gateways.SendToBothAsync(valid);
        AssertSameAnswer("a new server's first call", valid, viaSdk, direct);
        (viaSdk, direct) = await gateways.SendToBothAsync(valid);
        AssertSameAnswer("its second call", valid, viaSdk, direct);
        (viaSdk, direct) = await gateways.SendToBothAsync(badClientInfo);
        AssertSameAnswer("an invalid clientInfo", badClientInfo, viaSdk, direct);

        // One of the two valid calls was answered directly (the bad metadata goes to the SDK), and not the first: the
        // refusal's send is counted with the version, as on the gateway without the direct path.
        var (viaSdkSnapshot, directSnapshot) = await SettledSnapshotsAsync();
        Assert.Equal(directBefore + 1, directSnapshot.DirectCalls);
        Assert.True(
            viaSdkSnapshot.SdkSeries == directSnapshot.SdkSeries,
            Both("mcp_server_operation_duration_seconds_count series differ", viaSdkSnapshot.SdkSeries, directSnapshot.SdkSeries));
    }

    // Metrics are recorded, and audit events written, as or just after each answer goes out: waits until each gateway
    // shows the same twice in a row and both show the same, and returns what each shows last. The scrapes are further
    // apart than the exporter keeps an answer to show again (300 ms by default), so each is taken afresh.
    private async Task<(Snapshot ViaSdk, Snapshot Direct)> SettledSnapshotsAsync()
    {
        Snapshot viaSdkSnapshot = default, directSnapshot = default;
        try
        {
            await Poll.UntilAsync(
                async () =>
                {
                    var (viaSdkBefore, directBefore) = (viaSdkSnapshot, directSnapshot);
                    if (viaSdkBefore.AuditedCalls is not null)
                    {
                        await Task.Delay(500, Ct);
                    }

                    (viaSdkSnapshot, directSnapshot) = (await gateways.ViaSdk.SnapshotAsync(), await gateways.Direct.SnapshotAsync());
                    return viaSdkBefore.AuditedCalls is not null && viaSdkSnapshot.Equals(viaSdkBefore) && directSnapshot.Equals(directBefore)
                        && viaSdkSnapshot.Equals(directSnapshot);
                },
                TimeSpan.FromSeconds(15),
                "the two gateways' metrics and audit trails did not agree");
        }
        catch (TimeoutException)
        {
            // The caller's assertions show both.
        }

        return (viaSdkSnapshot, directSnapshot);
    }

    private static void AssertSameAnswer(string name, Case request, Answer viaSdk, Answer direct)
    {
        string expected = viaSdk.Render(request.Varies), actual = direct.Render(request.Varies);
        Assert.True(string.Equals(expected, actual, StringComparison.Ordinal), Both($"'{name}': the answers differ", expected, actual));
        if (request.Varies == Varies.Nothing)
        {
            Assert.True(viaSdk.Body.AsSpan().SequenceEqual(direct.Body), Both($"'{name}': the bodies differ in their bytes", expected, actual));
        }
    }

    private static string Both(string what, string viaSdk, string direct) =>
        $"{what}.\n--- with --Gateway:DirectToolCalls=false (the SDK's path):\n{viaSdk}\n--- with the direct path:\n{direct}\n---";

    /// <summary>
    /// The only values masked, each only in a case that says its answer holds them: UUIDv4s, and the seconds to wait in
    /// a rate-limit refusal (its message and <c>data.retryAfterSeconds</c>). Everything else — message texts, numbers,
    /// the order of members, the SSE framing — must match as it is.
    /// </summary>
    private static string Normalize(string body, Varies varies)
    {
        if (varies.HasFlag(Varies.Uuids))
        {
            body = UuidV4().Replace(body, "<uuid-v4>");
        }

        if (varies.HasFlag(Varies.RetryAfter))
        {
            body = RetryAfter().Replace(body, "${prefix}<seconds>");
        }

        return body;
    }

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", RegexOptions.CultureInvariant)]
    private static partial Regex UuidV4();

    [GeneratedRegex("""(?<prefix>retry after |"retryAfterSeconds":)[0-9]+""", RegexOptions.CultureInvariant)]
    private static partial Regex RetryAfter();

    /// <summary>One answer off the wire: status, every header but <c>Date</c> (response and content headers, in order), body bytes.</summary>
    internal sealed record Answer(int Status, IReadOnlyList<string> Headers, byte[] Body)
    {
        public string Render(Varies varies) =>
            $"HTTP {Status}\n{string.Join('\n', Headers)}\n\n{Normalize(Encoding.UTF8.GetString(Body), varies)}";
    }

    /// <summary>What a gateway's tool calls left behind, comparable between the two.</summary>
    /// <remarks>
    /// <see cref="DirectCalls"/>, <c>switchboard_mcp_direct_tool_calls_total</c>, counts the calls the gateway answered
    /// itself, different between the two by design; it is not compared.
    /// </remarks>
    internal readonly record struct Snapshot(string SdkSeries, string GatewaySeries, IReadOnlyList<string> AuditedCalls, long DirectCalls)
    {
        public bool Equals(Snapshot other) =>
            SdkSeries == other.SdkSeries && GatewaySeries == other.GatewaySeries && AuditedCalls.SequenceEqual(other.AuditedCalls, StringComparer.Ordinal);

        public override int GetHashCode() => HashCode.Combine(SdkSeries, GatewaySeries);
    }

    /// <summary>One published gateway, its management port, and a key for each <see cref="Caller"/>, each named the same in both gateways.</summary>
    internal sealed class Target(PublishedGateway gateway, Uri management) : IAsyncDisposable
    {
        private readonly HttpClient _http = new();
        private readonly Dictionary<Caller, string> _keys = [];

        public PublishedGateway Gateway => gateway;

        public async Task<Target> PrepareAsync()
        {
            _keys[Caller.Admin] = gateway.AdminKey;
            using (var role = await AdminAsync(HttpMethod.Put, "/api/v1/roles/limited", new JsonObject { ["permissions"] = new JsonArray("tools:call utilities/*", "tools:call financial/*") }))
            {
                Assert.True(role.IsSuccessStatusCode, await role.Content.ReadAsStringAsync(Ct));
            }

            // Key names appear in refusals and the audit trail: the same in both gateways.
            _keys[Caller.Viewer] = await CreateKeyAsync("difftest-viewer", "viewer");
            _keys[Caller.Limited] = await CreateKeyAsync("difftest-limited", "limited");
            return this;
        }

        public async Task<Answer> SendAsync(Case request)
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, gateway.Endpoint(request.Path)) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(request.Body)) };
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            message.Headers.Accept.ParseAdd("application/json");
            message.Headers.Accept.ParseAdd("text/event-stream");
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _keys[request.Caller]);
            message.Headers.Add("MCP-Protocol-Version", Revision);
            message.Headers.Add("Mcp-Method", "tools/call");
            message.Headers.Add("Mcp-Name", request.Tool);
            using var response = await _http.SendAsync(message, Ct);
            byte[] body = await response.Content.ReadAsByteArrayAsync(Ct);
            // As they came on the wire, not as HttpClient would parse and print them again.
            var headers = response.Headers.NonValidated.Concat(response.Content.Headers.NonValidated)
                .Where(h => !h.Key.Equals("Date", StringComparison.OrdinalIgnoreCase))
                .Select(h => $"{h.Key}: {string.Join(" | ", h.Value)}")
                .ToList();
            return new Answer((int)response.StatusCode, headers, body);
        }

        public async Task<Snapshot> SnapshotAsync()
        {
            string metrics = await _http.GetStringAsync(new Uri(management, "/metrics"), Ct);
            // Every method's series: the SDK also counts sending each answer, as "unknownMethod".
            string sdk = Series(metrics, "mcp_server_operation_duration_seconds_count{", string.Empty);
            string own = Series(metrics, "switchboard_tool_call_duration_seconds_count{", string.Empty);

            var audited = new List<string>();
            long? after = null;
            do
            {
                using var response = await AdminAsync(HttpMethod.Get, $"/api/v1/audit?action=tools/call&limit=1000{(after is null ? string.Empty : $"&after={after}")}", null);
                using var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
                Assert.True(response.IsSuccessStatusCode, page.RootElement.ToString());
                foreach (var e in page.RootElement.GetProperty("events").EnumerateArray())
                {
                    // Everything but the times, sequence numbers and hashes, which differ between any two runs.
                    var details = e.GetProperty("details").ValueKind == JsonValueKind.Object
                        ? string.Join(' ', e.GetProperty("details").EnumerateObject().Where(p => p.Name != "durationMs").Select(p => $"{p.Name}={p.Value.GetRawText()}"))
                        : e.GetProperty("details").GetRawText();
                    audited.Add($"{e.GetProperty("actor").GetString()} {e.GetProperty("action").GetString()} {e.GetProperty("target").GetString()} [{details}] {e.GetProperty("outcome").GetString()}");
                }

                after = page.RootElement.GetProperty("next").ValueKind == JsonValueKind.Number ? page.RootElement.GetProperty("next").GetInt64() : null;
            }
            while (after is not null);

            return new Snapshot(sdk, own, audited, DirectCalls(metrics));
        }

        // The calls the gateway answered itself (switchboard_mcp_direct_tool_calls_total), 0 when it has no such series.
        private static long DirectCalls(string metrics) =>
            metrics.Split('\n')
                .Where(l => l.StartsWith("switchboard_mcp_direct_tool_calls_total", StringComparison.Ordinal))
                .Sum(l => (long)double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

        // The series' label sets and counts, sorted; a count is a whole number of calls, never a timing.
        private static string Series(string metrics, string prefix, string mustContain) =>
            string.Join('\n', metrics.Split('\n')
                .Where(l => l.StartsWith(prefix, StringComparison.Ordinal) && l.Contains(mustContain, StringComparison.Ordinal))
                .Select(l => l.TrimEnd('\r'))
                .Order(StringComparer.Ordinal));

        private async Task<string> CreateKeyAsync(string name, string role)
        {
            using var response = await AdminAsync(HttpMethod.Post, "/api/v1/keys", new JsonObject { ["name"] = name, ["roles"] = new JsonArray(role) });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
            return body.RootElement.GetProperty("key").GetString()!;
        }

        private async Task<HttpResponseMessage> AdminAsync(HttpMethod method, string path, JsonObject? body)
        {
            using var request = new HttpRequestMessage(method, gateway.Endpoint(path)) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", gateway.AdminKey);
            return await _http.SendAsync(request, Ct);
        }

        public async ValueTask DisposeAsync()
        {
            _http.Dispose();
            await gateway.DisposeAsync();
        }
    }

    /// <summary>
    /// The two gateways every test of the class shares: one with <c>--Gateway:DirectToolCalls=false</c>, one with the
    /// default. Generous default limits; the <c>limited</c> role may call each tool once a minute.
    /// </summary>
    public sealed class Gateways : IAsyncLifetime
    {
        private static readonly string[] Flags =
        [
            "--RateLimits:Default:PerPrincipal:Permits=1000000", "--RateLimits:Default:PerPrincipal:Burst=1000000",
            "--RateLimits:Default:PerPrincipalTool:Permits=1000000", "--RateLimits:Default:PerPrincipalTool:Burst=1000000",
            "--RateLimits:Roles:limited:PerPrincipalTool:Permits=1", "--RateLimits:Roles:limited:PerPrincipalTool:Burst=1",
            "--RateLimits:Roles:limited:PerPrincipalTool:Period=01:00:00",
        ];

        internal Target ViaSdk { get; private set; } = null!;

        internal Target Direct { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            var starts = new[] { StartAsync("--Gateway:DirectToolCalls=false"), StartAsync() };
            try
            {
                var started = await Task.WhenAll(starts);
                (ViaSdk, Direct) = (started[0], started[1]);
            }
            catch
            {
                foreach (var start in starts.Where(s => s.IsCompletedSuccessfully))
                {
                    await start.Result.DisposeAsync();
                }

                throw;
            }
        }

        private static async Task<Target> StartAsync(params string[] flags)
        {
            var management = new Uri(LoopbackPort.NextUrl());
            var gateway = await PublishedGateway.StartServeAsync([.. Flags, $"--Management:Urls={management}", .. flags]);
            var target = new Target(gateway, management);
            try
            {
                return await target.PrepareAsync();
            }
            catch
            {
                await target.DisposeAsync();
                throw;
            }
        }

        /// <summary>Sends <paramref name="request"/> to the SDK's gateway, then the same to the direct one.</summary>
        internal async Task<(Answer ViaSdk, Answer Direct)> SendToBothAsync(Case request) =>
            (await ViaSdk.SendAsync(request), await Direct.SendAsync(request));

        public async ValueTask DisposeAsync()
        {
            if (ViaSdk is not null)
            {
                await ViaSdk.DisposeAsync();
            }

            if (Direct is not null)
            {
                await Direct.DisposeAsync();
            }
        }
    }
}
