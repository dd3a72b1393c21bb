using System.ComponentModel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Server;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// A real MCP server (the SDK's, stateless Streamable HTTP, on loopback) whose faults a test controls: it can drop the
/// connection of the next <c>tools/call</c> requests, hold calls until released, and be stopped and started again on
/// the same address. Its tools: <c>read</c> (readOnlyHint), <c>write</c> (no hints), <c>slow</c> (waits until
/// cancelled), <c>hold</c> (waits for <see cref="Release"/>) and <c>big</c> (a text of
/// <c>size</c> characters).
/// </summary>
internal sealed class FaultyUpstream : IAsyncDisposable
{
    private readonly string _url;
    private WebApplication? _app;
    private int _dropsLeft;
    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FaultyUpstream(string url) => _url = url;

    /// <summary>The MCP endpoint.</summary>
    public Uri Url => new($"{_url}/mcp");

    private int _readCalls;
    private int _writeCalls;
    private int _holding;

    /// <summary>How often <c>read</c> ran.</summary>
    public int ReadCalls => Volatile.Read(ref _readCalls);

    /// <summary>How often <c>write</c> ran.</summary>
    public int WriteCalls => Volatile.Read(ref _writeCalls);

    /// <summary>Calls of <c>hold</c> now waiting.</summary>
    public int Holding => Volatile.Read(ref _holding);

    /// <summary>Completed when a call of <c>slow</c> saw its request cancelled.</summary>
    public TaskCompletionSource SlowCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completed when a call of <c>slow</c> started.</summary>
    public TaskCompletionSource SlowStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<FaultyUpstream> StartAsync()
    {
        var upstream = new FaultyUpstream(LoopbackPort.NextUrl());
        await upstream.StartAgainAsync();
        return upstream;
    }

    /// <summary>The next <paramref name="count"/> <c>tools/call</c> requests have their connection dropped, unanswered.</summary>
    public void DropNextCalls(int count) => Volatile.Write(ref _dropsLeft, count);

    /// <summary>Lets every waiting call of <c>hold</c> finish.</summary>
    public void Release() => Interlocked.Exchange(ref _released, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public async Task StartAgainAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(_url);
        builder.Services.AddMcpServer().WithHttpTransport(o => o.Stateless = true).WithTools(
        [
            McpServerTool.Create(() => { Interlocked.Increment(ref _readCalls); return "read"; }, new McpServerToolCreateOptions { Name = "read", ReadOnly = true }),
            McpServerTool.Create(() => { Interlocked.Increment(ref _writeCalls); return "written"; }, new McpServerToolCreateOptions { Name = "write" }),
            McpServerTool.Create(SlowAsync, new McpServerToolCreateOptions { Name = "slow", ReadOnly = true }),
            McpServerTool.Create(HoldAsync, new McpServerToolCreateOptions { Name = "hold" }),
            McpServerTool.Create(([Description("Characters.")] int size) => new string('x', size), new McpServerToolCreateOptions { Name = "big", ReadOnly = true }),
        ]);
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            if (context.Request.Headers["Mcp-Method"] == "tools/call" && Interlocked.Decrement(ref _dropsLeft) >= 0)
            {
                context.Abort();
                return;
            }

            await next(context);
        });
        app.MapMcp("/mcp");
        await app.StartAsync(TestContext.Current.CancellationToken);
        _app = app;
    }

    /// <summary>Stops listening: connections are refused until <see cref="StartAgainAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _app, null) is { } app)
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        await StopAsync();
    }

    [Description("Waits until its request is cancelled.")]
    private async Task<string> SlowAsync(CancellationToken cancellationToken)
    {
        SlowStarted.TrySetResult();
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            SlowCancelled.TrySetResult();
            throw;
        }

        return "never";
    }

    private async Task<string> HoldAsync(CancellationToken cancellationToken)
    {
        var released = Volatile.Read(ref _released).Task;
        Interlocked.Increment(ref _holding);
        try
        {
            await released.WaitAsync(cancellationToken);
            return "held";
        }
        finally
        {
            Interlocked.Decrement(ref _holding);
        }
    }
}
