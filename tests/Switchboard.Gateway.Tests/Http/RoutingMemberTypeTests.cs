using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ModelContextProtocol;
using Switchboard.Gateway.Tests.Interop;
using Switchboard.Gateway.Tests.Protocol;

namespace Switchboard.Gateway.Tests.Http;

/// <summary>
/// The member a 2026-07-28 request is routed by (<c>name</c> of <c>tools/call</c> and <c>prompts/get</c>, <c>uri</c>
/// of <c>resources/read</c>, <c>taskId</c> of the tasks extension's requests) sent as something other than a string, with the <c>Mcp-Name</c> header a client sends:
/// the SDK's header check read it as a string and threw, a 500 with an error and its stack trace in the log for every
/// such request. Likewise <c>arguments</c> that are not an object: the SDK answered them as an internal error (-32603),
/// with a Warning and a stack trace. The published gateway refuses both as invalid params, in its own words.
/// </summary>
public sealed class RoutingMemberTypeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task NameUriOrArgumentsOfTheWrongKind_AreRefusedAsInvalidParams_NeverA500OrAnInternalError()
    {
        await using var gateway = await PublishedGateway.StartServeAsync();
        using var http = new HttpClient();
        var cases =
            from routed in new[]
            {
                ("tools/call", "name"), ("prompts/get", "name"), ("resources/read", "uri"), ("tools/call", "arguments"), ("prompts/get", "arguments"),
                ("tasks/get", "taskId"), ("tasks/cancel", "taskId"), ("tasks/update", "taskId"),
            }
            from value in new[] { "5", "true", "{\"a\":1}", "[\"x\"]" }
            where !(routed.Item2 == "arguments" && value.StartsWith('{'))
            from path in new[] { "/mcp", "/servers/utilities/mcp" }
            select (Method: routed.Item1, Member: routed.Item2, Value: value, Path: path);

        foreach (var (method, member, value, path) in cases)
        {
            const string Meta = """{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}""";
            string named = member == "arguments" ? "\"name\":\"x\"," : string.Empty; // as the Mcp-Name header says
            string body = $"{{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"{method}\",\"params\":{{{named}\"{member}\":{value},\"_meta\":{Meta}}}}}";
            using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Endpoint(path)) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Accept.ParseAdd("application/json");
            request.Headers.Accept.ParseAdd("text/event-stream");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", gateway.AdminKey);
            request.Headers.Add("MCP-Protocol-Version", StatelessRequest.Revision);
            request.Headers.Add("Mcp-Method", method);
            request.Headers.Add("Mcp-Name", "x");

            using var response = await http.SendAsync(request, Ct);
            string text = await response.Content.ReadAsStringAsync(Ct);
            string what = $"{method} with {member} {value} on {path}: {(int)response.StatusCode} {text}";
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, what);
            using var answer = JsonDocument.Parse(text);
            Assert.True((int)McpErrorCode.InvalidParams == answer.RootElement.GetProperty("error").GetProperty("code").GetInt32(), what);
            Assert.Equal(3, answer.RootElement.GetProperty("id").GetInt32());
        }

        Assert.DoesNotContain("An unhandled exception", gateway.Process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("request handler failed", gateway.Process.Output, StringComparison.Ordinal);
    }
}
