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
/// Closing an upstream server (a removed or replaced server, the host's shutdown) never waits for ever, and leaves
/// nothing waiting for ever either.
/// </summary>
public sealed class UpstreamCloseTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Closing the connection to a session-based upstream ends its session with a DELETE; an upstream that takes that
    // request and never answers it holds the close at most the upstream's Timeout.
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
            Timeout = TimeSpan.FromSeconds(10), // the connect waits as long; 2 s was too short for it on a loaded machine
        };
        var server = new UpstreamServer("stuck", options, new UnrecordedToolPins(), NullLoggerFactory.Instance, TimeProvider.System);
        Assert.True(await server.TryConnectAsync(Ct), server.LastFailure);

        // Unbounded, the close would wait as long as the upstream holds the request: here, until the app stops.
        await server.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.True(deleteReceived.Task.IsCompleted, "the session was not ended with a DELETE");
    }

    [Fact]
    public async Task ClosedWhileConnectsWait_TheConnectInProgressAndTheOneQueuedBehindItEnd()
    {
        var discoveryReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string url = LoopbackPort.NextUrl();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        await using var app = builder.Build();
        app.Run(async context =>
        {
            discoveryReceived.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted); // taken, never answered
        });
        await app.StartAsync(Ct);

        var options = new UpstreamOptions { Url = new Uri($"{url}/mcp"), Pinning = ToolPinning.Off, Timeout = TimeSpan.FromMinutes(10) };
        var server = new UpstreamServer("silent", options, new UnrecordedToolPins(), NullLoggerFactory.Instance, TimeProvider.System);
        var connecting = server.TryConnectAsync(Ct); // holds the connect lock while the upstream keeps its answer
        await discoveryReceived.Task.WithinAsync(TimeSpan.FromSeconds(30), "the upstream never received the connection's first request", Ct);
        var queued = server.TryConnectAsync(Ct); // waits for that lock

        await server.DisposeAsync().AsTask().WithinAsync(TimeSpan.FromSeconds(30), "closing the server did not end", Ct);

        Assert.False(await connecting.WithinAsync(TimeSpan.FromSeconds(30), "the connect in progress did not end when the server closed", Ct));
        Assert.False(await queued.WithinAsync(TimeSpan.FromSeconds(30), "the connect waiting for the lock did not end when the server closed", Ct));
    }
}
