using Microsoft.AspNetCore.Builder;
using ModelContextProtocol.Client;
using Switchboard.Access.Identity;
using Switchboard.Host;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests;

/// <summary>The real gateway, composed as the executable composes it, listening on a free loopback port.</summary>
public class GatewayServer : IAsyncLifetime
{
    /// <summary>The body limit the tests run with, small enough to exceed cheaply.</summary>
    public const int MaxRequestBodyBytes = 64 * 1024;

    private WebApplication? _app;
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("switchboard-gateway-").FullName;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The administrator key the gateway creates on its first start; clients use it unless told otherwise.</summary>
    public string AdminKey { get; } = ApiKeyFormat.Generate().Key;

    /// <summary>The gateway's SQLite file, which a fixture may fill before the gateway starts.</summary>
    protected string DatabasePath => Path.Combine(_dataDirectory, "switchboard.db");

    /// <summary>More configuration flags, <c>--Section:Key=value</c>.</summary>
    protected virtual string[] ExtraArguments => [];

    public virtual async ValueTask InitializeAsync()
    {
        _app = SwitchboardHost.BuildGateway(
            [
                "--environment=Development",
                $"--Gateway:MaxRequestBodyBytes={MaxRequestBodyBytes}",
                $"--Storage:ConnectionString=Data Source={DatabasePath}",
                $"--Identity:BootstrapAdminKey={AdminKey}",
                "--Management:Urls=", // test classes run in parallel: none takes the management port unless it asks
                .. ExtraArguments,
            ],
            urls: LoopbackPort.NextUrl());
        await _app.StartAsync(TestContext.Current.CancellationToken);
        BaseAddress = new Uri(_app.Urls.First());
    }

    public Uri Endpoint(string path) => new(BaseAddress, path);

    /// <summary>The running gateway's services, for arranging state the way an operator would.</summary>
    public IServiceProvider Services => _app!.Services;

    /// <summary>
    /// Connects the C# SDK client as the administrator, or with <paramref name="bearerToken"/>;
    /// <paramref name="protocolVersion"/> null lets the client pick (the newest, sessionless).
    /// </summary>
    public Task<McpClient> ConnectAsync(string path, string? protocolVersion, McpClientOptions? options = null, string? bearerToken = null)
    {
        options ??= new McpClientOptions();
        options.ProtocolVersion = protocolVersion;
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = Endpoint(path),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {bearerToken ?? AdminKey}" },
        });
        return McpClient.CreateAsync(transport, options, cancellationToken: TestContext.Current.CancellationToken);
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            // Stopping is bounded by the host's shutdown timeout; disposing its services is not: one that never ends
            // fails here, named, instead of holding the test run.
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync().AsTask().WithinAsync(TimeSpan.FromSeconds(60), $"{GetType().Name}: the in-process gateway's services were still closing 60 s after it stopped.");
        }

        Directory.Delete(_dataDirectory, recursive: true);

        GC.SuppressFinalize(this);
    }
}

/// <summary>The gateway with <c>Gateway:Sessions=Stateless</c>: no client gets a session.</summary>
public sealed class StatelessGatewayServer : GatewayServer
{
    protected override string[] ExtraArguments => ["--Gateway:Sessions=Stateless"];
}

/// <summary>The gateway ending sessions after one silent second (<c>Gateway:SessionIdleTimeout</c>).</summary>
public sealed class ShortSessionGatewayServer : GatewayServer
{
    protected override string[] ExtraArguments => ["--Gateway:SessionIdleTimeout=00:00:01"];
}
