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
/// connection of the next <c>tools/call</c>, <c>resources/read</c> or health probe requests, hold calls until released,
/// and be stopped and started again on the same address. Its tools: <c>read</c> (readOnlyHint), <c>put</c>
/// (idempotentHint), <c>write</c> (no hints), <c>slow</c> (waits until cancelled), <c>hold</c> (waits for
/// <see cref="Release"/>) and <c>big</c> (a text of <c>size</c> characters); its resource: <c>faulty://note</c>.
/// </summary>
internal sealed class FaultyUpstream : IAsyncDisposable
{
    private readonly string _url;
    private WebApplication? _app;
    private int _callDropsLeft;
    private int _resourceReadDropsLeft;
    private int _probeDropsLeft;
    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FaultyUpstream(string url) => _url = url;

    /// <summary>The MCP endpoint.</summary>
    public Uri Url => new($"{_url}/mcp");

    private int _readCalls;
    private int _putCalls;
    private int _writeCalls;
    private int _noteReads;
    private int _holding;
    private int _probesAnswered;

    /// <summary>How often <c>read</c> ran.</summary>
    public int ReadCalls => Volatile.Read(ref _readCalls);

    /// <summary>How often <c>put</c> ran.</summary>
    public int PutCalls => Volatile.Read(ref _putCalls);

    /// <summary>How often <c>write</c> ran.</summary>
    public int WriteCalls => Volatile.Read(ref _writeCalls);

    /// <summary>How often <c>faulty://note</c> was read.</summary>
    public int NoteReads => Volatile.Read(ref _noteReads);

    /// <summary>Calls of <c>hold</c> now waiting.</summary>
    public int Holding => Volatile.Read(ref _holding);

    /// <summary>Health probes (<c>ping</c>, <c>server/discover</c>) that were let through, not dropped.</summary>
    public int ProbesAnswered => Volatile.Read(ref _probesAnswered);

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
    public void DropNextCalls(int count) => Volatile.Write(ref _callDropsLeft, count);

    /// <summary>The next <paramref name="count"/> <c>resources/read</c> requests have their connection dropped, unanswered.</summary>
    public void DropNextResourceReads(int count) => Volatile.Write(ref _resourceReadDropsLeft, count);

    /// <summary>The next <paramref name="count"/> health probes (<c>ping</c>, <c>server/discover</c>) have their connection dropped, unanswered.</summary>
    public void DropNextProbes(int count) => Volatile.Write(ref _probeDropsLeft, count);

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
            McpServerTool.Create(() => { Interlocked.Increment(ref _putCalls); return "put"; }, new McpServerToolCreateOptions { Name = "put", Idempotent = true }),
            McpServerTool.Create(() => { Interlocked.Increment(ref _writeCalls); return "written"; }, new McpServerToolCreateOptions { Name = "write" }),
            McpServerTool.Create(SlowAsync, new McpServerToolCreateOptions { Name = "slow", ReadOnly = true }),
            McpServerTool.Create(HoldAsync, new McpServerToolCreateOptions { Name = "hold" }),
            McpServerTool.Create(([Description("Characters.")] int size) => new string('x', size), new McpServerToolCreateOptions { Name = "big", ReadOnly = true }),
        ]).WithResources(
        [
            McpServerResource.Create(() => { Interlocked.Increment(ref _noteReads); return "note"; }, new McpServerResourceCreateOptions { UriTemplate = "faulty://note", Name = "note" }),
        ]);
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            string? method = context.Request.Headers["Mcp-Method"];
            bool probe = method is "ping" or "server/discover";
            if ((method == "tools/call" && Interlocked.Decrement(ref _callDropsLeft) >= 0)
                || (method == "resources/read" && Interlocked.Decrement(ref _resourceReadDropsLeft) >= 0)
                || (probe && Interlocked.Decrement(ref _probeDropsLeft) >= 0))
            {
                context.Abort();
                return;
            }

            if (probe)
            {
                Interlocked.Increment(ref _probesAnswered);
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
