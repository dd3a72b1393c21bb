using System.ComponentModel;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Registry;
using Switchboard.Upstreams;
using Switchboard.Upstreams.Pinning;

namespace Switchboard.Benchmarks.Gateway;

/// <summary>
/// The federation hop (issue 10): one MCP server on loopback with 50 tools, and in front of it an MCP endpoint whose
/// catalog is the gateway's <see cref="UpstreamServers"/> forwarding to it, 20 times over (20 upstreams × 50 tools on
/// the aggregated <c>/mcp</c>). A <c>tools/call</c> directly and through <c>/servers/up-00/mcp</c> gives what the hop
/// adds; <c>tools/list</c> of 1,000 tools on <c>/mcp</c> what aggregation costs. Authentication, policy and rate limits
/// are left out here (<see cref="ToolCallOverheadBenchmarks"/> measures them). Stateless Streamable HTTP everywhere,
/// the SDK client, every connection warm.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class FederationBenchmarks : IAsyncDisposable
{
    private const int Upstreams = 20;
    private const int ToolsPerUpstream = 50;
    private static readonly Dictionary<string, object?> Arguments = new() { ["text"] = "hello" };

    private WebApplication _upstream = null!;
    private WebApplication _gateway = null!;
    private UpstreamServers _servers = null!;
    private McpServerView _aggregate = null!;
    private McpServerView _single = null!;
    private readonly CancellationTokenSource _stopping = new();
    private McpClient _direct = null!;
    private McpClient _throughGateway = null!;
    private McpClient _aggregated = null!;

    /// <summary>Starts the upstream, connects 20 upstream servers to it and serves them; connects the three clients.</summary>
    [GlobalSetup]
    public async Task SetupAsync()
    {
        var tools = Enumerable.Range(0, ToolsPerUpstream)
            .Select(i => McpServerTool.Create(([Description("Text to echo.")] string text) => text, new McpServerToolCreateOptions { Name = $"tool_{i:00}", Description = $"Echoes its text ({i})." }))
            .ToArray();
        _upstream = await StartAsync(builder => builder.Services.AddMcpServer().WithHttpTransport(o => o.Stateless = true).WithTools(tools), "/mcp");
        string upstreamUrl = Address(_upstream);

        var options = new UpstreamsOptions();
        for (int i = 0; i < Upstreams; i++)
        {
            options.Servers[$"up-{i:00}"] = new UpstreamOptions { Url = new Uri($"{upstreamUrl}/mcp"), Pinning = ToolPinning.Off };
        }

        _servers = new UpstreamServers(Options.Create(options), new NoPins(), NullLoggerFactory.Instance, TimeProvider.System);
        _servers.StartConnecting(_stopping.Token);
        var catalogs = _servers.All.Select(s => s.Catalog).ToList();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
        {
            while (catalogs.Any(c => c.Tools.Count < ToolsPerUpstream))
            {
                await Task.Delay(100, timeout.Token);
            }
        }

        _aggregate = McpServerView.Aggregate("gateway", catalogs);
        _single = McpServerView.Single(catalogs[0]);
        _gateway = await StartAsync(
            builder => builder.Services.AddMcpServer().WithHttpTransport(o =>
            {
                o.Stateless = true;
                o.ConfigureSessionOptions = (context, server, _) =>
                {
                    (context.Request.Path.StartsWithSegments("/servers", StringComparison.Ordinal) ? _single : _aggregate).ApplyTo(server);
                    return Task.CompletedTask;
                };
            }),
            "/mcp",
            "/servers/up-00/mcp");
        string gatewayUrl = Address(_gateway);

        _direct = await ConnectAsync($"{upstreamUrl}/mcp");
        _throughGateway = await ConnectAsync($"{gatewayUrl}/servers/up-00/mcp");
        _aggregated = await ConnectAsync($"{gatewayUrl}/mcp");
        if ((await _aggregated.ListToolsAsync()).Count != Upstreams * ToolsPerUpstream)
        {
            throw new InvalidOperationException("The aggregated endpoint does not list every upstream tool.");
        }
    }

    /// <summary>A <c>tools/call</c> straight to the upstream: the baseline.</summary>
    [Benchmark(Baseline = true)]
    public async Task<CallToolResult> CallDirect() => await _direct.CallToolAsync("tool_07", Arguments);

    /// <summary>The same call through the gateway's forwarding endpoint: one more HTTP hop and the upstream pipeline.</summary>
    [Benchmark]
    public async Task<CallToolResult> CallThroughGateway() => await _throughGateway.CallToolAsync("tool_07", Arguments);

    /// <summary><c>tools/list</c> of the upstream's 50 tools, directly.</summary>
    [Benchmark]
    public async Task<int> ListDirect50() => (await _direct.ListToolsAsync()).Count;

    /// <summary><c>tools/list</c> on the aggregated endpoint: 20 upstreams × 50 tools, namespaced.</summary>
    [Benchmark]
    public async Task<int> ListAggregated1000() => (await _aggregated.ListToolsAsync()).Count;

    /// <summary>Stops the clients, the gateway endpoint, the upstream servers and the upstream.</summary>
    [GlobalCleanup]
    public async Task CleanupAsync() => await DisposeAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var client in new[] { _direct, _throughGateway, _aggregated })
        {
            if (client is not null)
            {
                await client.DisposeAsync();
            }
        }

        await _stopping.CancelAsync();
        _aggregate?.Dispose();
        _single?.Dispose();
        if (_servers is not null)
        {
            await _servers.DisposeAsync();
        }

        foreach (var app in new[] { _gateway, _upstream })
        {
            if (app is not null)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }

        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }

    private static async Task<WebApplication> StartAsync(Action<WebApplicationBuilder> configure, params string[] endpoints)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        configure(builder);
        var app = builder.Build();
        foreach (string endpoint in endpoints)
        {
            app.MapMcp(endpoint);
        }

        await app.StartAsync();
        return app;
    }

    private static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    private static Task<McpClient> ConnectAsync(string endpoint) =>
        McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions { Endpoint = new Uri(endpoint), TransportMode = HttpTransportMode.StreamableHttp }));

    private sealed class NoPins : IToolDefinitionPins
    {
        public Task<IReadOnlySet<string>> QuarantinedAsync(string server, UpstreamOptions options, IReadOnlyList<Tool> tools, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlySet<string>>(new HashSet<string>());
    }
}
