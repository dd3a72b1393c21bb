using System.Diagnostics;
using Switchboard.Access.Identity;
using Switchboard.Gateway.Tests.Cli;
using Switchboard.Gateway.Tests.Telemetry.Otlp;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Telemetry;

/// <summary>
/// One MCP tool call through the published <c>switchboard serve</c> to a remote <c>switchboard mcp everything</c>
/// makes one trace across both processes, exported over OTLP/HTTP (configured by the standard <c>OTEL_*</c>
/// variables only) to a receiver in the test: the gateway's request, tool call, policy, rate limit (with its Redis
/// round trip), audit append and upstream hop, and the upstream's request and tool call as their children.
/// </summary>
public sealed class TraceTests : IDisposable
{
    private const string Tool = "remote__test_simple_text";
    private const string RedisScope = "OpenTelemetry.Instrumentation.StackExchangeRedis";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly string _workingDirectory = Directory.CreateTempSubdirectory("switchboard-traces-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_workingDirectory, recursive: true);

    [Fact]
    public async Task ToolCall_ThroughRemoteUpstream_IsOneTraceAcrossBothProcesses()
    {
        await using var receiver = await OtlpReceiver.StartAsync(Ct);
        string gatewayKey = ApiKeyFormat.Generate().Key;
        string upstreamKey = ApiKeyFormat.Generate().Key;
        string upstreamUrl = LoopbackPort.NextUrl();
        using var upstream = await StartUpstreamAsync(upstreamUrl, upstreamKey, Otel(receiver, "upstream"));
        try
        {
            string directory = Directory.CreateDirectory(Path.Combine(_workingDirectory, "gateway")).FullName;
            await using var gateway = await GatewayProcess.StartAsync(
                [
                    $"--Identity:BootstrapAdminKey={gatewayKey}",
                    $"--Storage:DataDirectory={directory}",
                    $"--Servers:remote:Url={upstreamUrl}/mcp",
                    $"--Servers:remote:Headers:Authorization=Bearer {upstreamKey}",
                    // With Redis, the rate limiter's script and the cache's reads are Redis round trips: spans of their own.
                    $"--Redis:ConnectionString={TestServices.Redis}",
                    $"--Redis:KeyPrefix=t{Guid.NewGuid():N}:",
                ],
                directory,
                Timeout,
                Otel(receiver, "gateway"));

            await Poll.UntilAsync(async () => (await gateway.CallToolAsync(gatewayKey, Tool, Ct)).TryGetProperty("result", out _), Timeout, $"{Tool} was not served");

            // The trace of the (last) call: the gateway's tool-call span names it; wait for both processes' spans.
            List<ReceivedSpan> trace = [];
            await Poll.UntilAsync(
                () =>
                {
                    var spans = receiver.Spans;
                    var toolCall = spans.LastOrDefault(s => s.Service == "gateway" && s.Span.Name == "tool_call remote/test_simple_text");
                    trace = toolCall is null ? [] : [.. spans.Where(s => s.TraceId == toolCall.TraceId)];
                    // In each process the request's own span ends last, once the answer is sent, and each process
                    // exports its spans in its own batches: the upstream's outer spans can come a batch after its
                    // tool call span, and after the gateway's spans. Wait for every span asserted below.
                    return Task.FromResult(
                        trace.Any(s => s.Service == "upstream" && s.Span.Name == "tool_call everything/test_simple_text")
                        && trace.Any(s => s.Service == "upstream" && s.Span.Kind == Span.Types.SpanKind.Server && s.Scope == "Experimental.ModelContextProtocol")
                        && trace.Any(s => s.Service == "upstream" && s.Span.Kind == Span.Types.SpanKind.Server && s.Scope == "Microsoft.AspNetCore")
                        && trace.Any(s => s.Service == "gateway" && s.Span.Kind == Span.Types.SpanKind.Server && s.Scope == "Microsoft.AspNetCore"));
                },
                Timeout,
                $"no trace with the gateway's and the upstream's tool calls; received:{Environment.NewLine}{string.Join(Environment.NewLine, receiver.Spans)}");

            string shown = string.Join(Environment.NewLine, trace);
            var gatewayRequest = Single(trace, "gateway", s => s.Span.Kind == Span.Types.SpanKind.Server && s.Scope == "Microsoft.AspNetCore", shown);
            var toolCallSpan = Single(trace, "gateway", s => s.Span.Name == "tool_call remote/test_simple_text", shown);
            var hop = Single(trace, "gateway", s => s.Span.Name == "switchboard.upstream tools/call", shown);
            var httpClient = Single(trace, "gateway", s => s.Span.Kind == Span.Types.SpanKind.Client && s.Scope == "System.Net.Http", shown);
            var upstreamRequest = Single(trace, "upstream", s => s.Span.Kind == Span.Types.SpanKind.Server && s.Scope == "Microsoft.AspNetCore", shown);
            var upstreamMcp = Single(trace, "upstream", s => s.Span.Kind == Span.Types.SpanKind.Server && s.Scope == "Experimental.ModelContextProtocol", shown);
            Single(trace, "upstream", s => s.Span.Name == "tool_call everything/test_simple_text", shown);

            Assert.True(IsBelow(toolCallSpan, gatewayRequest, trace), shown);
            foreach (string child in new[] { "switchboard.policy", "switchboard.rate_limit", "switchboard.audit.append" })
            {
                Assert.True(trace.Any(s => s.Service == "gateway" && s.Span.Name == child && s.ParentSpanId == toolCallSpan.SpanId), $"no {child} under the tool call:{Environment.NewLine}{shown}");
            }

            // The group commit that wrote the call's audit event serves many requests: it links to each append.
            var append = trace.First(s => s.Service == "gateway" && s.Span.Name == "switchboard.audit.append" && s.ParentSpanId == toolCallSpan.SpanId);
            await Poll.UntilAsync(
                () => Task.FromResult(receiver.Spans.Any(s => s.Service == "gateway" && s.Span.Name == "switchboard.audit.commit" && s.Span.Links.Any(l => Convert.ToHexStringLower(l.SpanId.Span) == append.SpanId))),
                Timeout,
                "no audit commit span links to the call's audit append");

            // The Redis spans are made from StackExchange.Redis's profiling sessions, drained after the command: wait for them.
            await Poll.UntilAsync(
                () => Task.FromResult(receiver.Spans.Any(s => s.TraceId == toolCallSpan.TraceId && s.Scope == RedisScope)),
                Timeout,
                $"no Redis command span in the call's trace; received:{Environment.NewLine}{string.Join(Environment.NewLine, receiver.Spans)}");
            trace = [.. receiver.Spans.Where(s => s.TraceId == toolCallSpan.TraceId)];
            shown = string.Join(Environment.NewLine, trace);
            var rateLimit = trace.First(s => s.Service == "gateway" && s.Span.Name == "switchboard.rate_limit" && s.ParentSpanId == toolCallSpan.SpanId);
            var redisCommand = trace.FirstOrDefault(s => s.Scope == RedisScope && s.ParentSpanId == rateLimit.SpanId);
            Assert.True(redisCommand is not null, $"no Redis command span under the rate limit:{Environment.NewLine}{shown}");
            Assert.Equal(Span.Types.SpanKind.Client, redisCommand.Span.Kind);
            Assert.Equal("redis", redisCommand.Attribute("db.system.name") ?? redisCommand.Attribute("db.system"));

            Assert.True(IsBelow(hop, toolCallSpan, trace), shown);
            Assert.True(IsBelow(httpClient, hop, trace), shown);
            // W3C traceparent over HTTP (the upstream's request) and in the request's _meta (the upstream SDK's span).
            Assert.Equal(httpClient.SpanId, upstreamRequest.ParentSpanId);
            Assert.Contains(trace, s => s.Service == "gateway" && s.SpanId == upstreamMcp.ParentSpanId);
            Assert.Equal("remote", toolCallSpan.Attribute("mcp.server"));
            Assert.Equal("test_simple_text", toolCallSpan.Attribute("gen_ai.tool.name"));
            Assert.Equal("admin", toolCallSpan.Attribute("enduser.id"));

            // No credential anywhere in what was exported.
            var values = receiver.Spans.SelectMany(s => s.AttributeValues).ToList();
            Assert.DoesNotContain(values, v => v.Contains(gatewayKey, StringComparison.Ordinal) || v.Contains(upstreamKey, StringComparison.Ordinal));
        }
        finally
        {
            await ProcessRunner.KillAsync(upstream);
        }
    }

    private static Dictionary<string, string> Otel(OtlpReceiver receiver, string service) => new()
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint,
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_SERVICE_NAME"] = service,
        ["OTEL_BSP_SCHEDULE_DELAY"] = "100", // export spans within 0.1 s, not the default 5 s
    };

    private static ReceivedSpan Single(List<ReceivedSpan> trace, string service, Func<ReceivedSpan, bool> match, string shown)
    {
        var found = trace.Where(s => s.Service == service && match(s)).ToList();
        Assert.True(found.Count == 1, $"expected one such {service} span, found {found.Count}:{Environment.NewLine}{shown}");
        return found[0];
    }

    // Whether span descends from ancestor, through any spans in between (the SDK's own spans sit between ours).
    private static bool IsBelow(ReceivedSpan span, ReceivedSpan ancestor, List<ReceivedSpan> trace)
    {
        var bySpanId = trace.ToDictionary(s => s.SpanId);
        for (var current = span; bySpanId.TryGetValue(current.ParentSpanId, out var parent); current = parent)
        {
            if (parent.SpanId == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }

    private Task<Process> StartUpstreamAsync(string url, string key, Dictionary<string, string> environment) =>
        Federation.EverythingUpstream.StartAsync(url, key, Directory.CreateDirectory(Path.Combine(_workingDirectory, "upstream")).FullName, Timeout, environment);
}
