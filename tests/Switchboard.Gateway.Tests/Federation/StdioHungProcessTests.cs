using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Switchboard.Errors;
using Switchboard.Testing;
using Switchboard.Upstreams;
using Switchboard.Upstreams.Pinning;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// A stdio upstream whose process got stuck on one request: the request times out, and the process is drained and
/// replaced, so the next calls (fast tools too) are answered at once instead of queueing behind the stuck one.
/// </summary>
public sealed class StdioHungProcessTests
{
    // A stdio MCP server that, like many, answers one request at a time: `hang` never answers (the loop sleeps on
    // it), `fast` answers at once, any other request gets -32601 (the SDK's server/discover probe falls back).
    private const string Server = """
        while IFS= read -r line; do
          id=$(printf '%s\n' "$line" | sed -nE 's/.*"id":("[^"]*"|[0-9]+).*/\1/p')
          case "$line" in
            *'"method":"initialize"'*) printf '{"jsonrpc":"2.0","id":%s,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"hung","version":"1"}}}\n' "$id" ;;
            *'"method":"tools/list"'*) printf '{"jsonrpc":"2.0","id":%s,"result":{"tools":[{"name":"hang","inputSchema":{"type":"object"}},{"name":"fast","inputSchema":{"type":"object"}}]}}\n' "$id" ;;
            *'"method":"tools/call"'*'"name":"hang"'*) sleep 3600 ;;
            *'"method":"tools/call"'*) printf '{"jsonrpc":"2.0","id":%s,"result":{"content":[{"type":"text","text":"fast"}]}}\n' "$id" ;;
            *'"method":"ping"'*) printf '{"jsonrpc":"2.0","id":%s,"result":{}}\n' "$id" ;;
            *) [ -n "$id" ] && printf '{"jsonrpc":"2.0","id":%s,"error":{"code":-32601,"message":"unknown method"}}\n' "$id" ;;
          esac
        done
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CallThatTimesOut_DrainsAndReplacesItsProcess_SoAFastCallIsAnsweredAtOnce()
    {
        var options = new UpstreamOptions { Command = "/bin/sh", Args = ["-c", Server], Timeout = TimeSpan.FromSeconds(5) };
        options.Stdio.ShutdownTimeout = TimeSpan.FromMilliseconds(200);
        await using var server = new UpstreamServer("hung", options, new UnrecordedToolPins(), NullLoggerFactory.Instance, TimeProvider.System);
        Assert.True(await server.TryConnectAsync(Ct), server.LastFailure);

        var timedOut = await Assert.ThrowsAsync<McpProtocolException>(async () => await server.CallToolAsync(new CallToolRequestParams { Name = "hang" }, Ct));
        Assert.Equal(SwitchboardErrorCodes.UpstreamTimeout, timedOut.ErrorCode);

        // Before the fix every later call went to the stuck process and timed out too, for as long as it lived.
        for (int i = 0; i < 3; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            var result = await server.CallToolAsync(new CallToolRequestParams { Name = "fast" }, Ct);
            Assert.Equal("fast", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
            Assert.True(stopwatch.Elapsed < options.Timeout, $"the fast call took {stopwatch.Elapsed}");
        }

        // The stuck process is closed (stdin, then its tree killed after ShutdownTimeout): only its replacement is left.
        await Poll.UntilAsync(() => server.StdioProcesses!.Value.Processes == 1, TimeSpan.FromSeconds(30), $"the stuck process was not closed: {server.StdioProcesses}");
        Assert.Equal(0, server.StdioProcesses!.Value.Restarts); // closed on purpose, not a crash
    }
}
