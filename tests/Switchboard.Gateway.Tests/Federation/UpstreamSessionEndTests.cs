using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Server;
using Switchboard.Testing;
using Switchboard.Upstreams;
using Switchboard.Upstreams.Pinning;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// Closing the connection to a session-based upstream ends its session with a <c>DELETE</c>; an upstream that takes
/// that request and never answers it must not hold the close (a removed or replaced server, the host's shutdown) for
/// ever: it waits at most the upstream's <c>Timeout</c>.
/// </summary>
public sealed class UpstreamSessionEndTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UpstreamNeverAnswersTheSessionEnd_ClosingWaitsOnlyItsTimeout()
    {
        var deleteReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string url = LoopbackPort.NextUrl();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        builder.Services.AddMcpServer().WithHttpTransport(o => o.Stateless = false).WithTools([McpServerTool.Create(() => "pong", new McpServerToolCreateOptions { Name = "ping_tool" })]);
        await using var app = builder.Build();
        app.Use(async (context, next) =>
        {
            if (HttpMethods.IsDelete(context.Request.Method))
            {
                deleteReceived.TrySetResult();
                await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted); // taken, never answered
            }

            await next(context);
        });
        app.MapMcp("/mcp");
        await app.StartAsync(Ct);

        var options = new UpstreamOptions
        {
            Url = new Uri($"{url}/mcp"),
            Pinning = ToolPinning.Off,
            ProtocolVersion = "2025-11-25", // a revision with sessions
            Timeout = TimeSpan.FromSeconds(2),
        };
        var server = new UpstreamServer("stuck", options, new UnrecordedToolPins(), NullLoggerFactory.Instance, TimeProvider.System);
        Assert.True(await server.TryConnectAsync(Ct), server.LastFailure);

        // Unbounded, the close would wait as long as the upstream holds the request: here, until the app stops.
        await server.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.True(deleteReceived.Task.IsCompleted, "the session was not ended with a DELETE");
    }
}
