using Switchboard.Access.Identity;
using Switchboard.Gateway.Tests.Cli;

namespace Switchboard.Gateway.Tests.Interop;

/// <summary>
/// The published executable as the interop suites need it: the Development environment (the everything server
/// mounted), its own data folder, and an administrator key it creates on its first start. <c>serve</c> by default;
/// <c>mcp everything</c> for the server alone.
/// </summary>
public sealed class PublishedGateway : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly string _dataDirectory;
    private readonly GatewayProcess _process;

    private PublishedGateway(GatewayProcess process, string dataDirectory, string adminKey)
    {
        (_process, _dataDirectory, AdminKey) = (process, dataDirectory, adminKey);
        BaseAddress = new Uri(process.Url);
    }

    public Uri BaseAddress { get; }

    /// <summary>The administrator key the gateway created on its first start.</summary>
    public string AdminKey { get; }

    /// <summary>The running process, for checks on what was started.</summary>
    public GatewayProcess Process => _process;

    public Uri Endpoint(string path) => new(BaseAddress, path);

    /// <summary><c>switchboard serve</c> with more configuration <paramref name="flags"/>.</summary>
    public static Task<PublishedGateway> StartServeAsync(params string[] flags) => StartAsync(["serve"], flags);

    /// <summary><c>switchboard mcp everything</c>: the everything server alone at <c>/mcp</c>.</summary>
    public static Task<PublishedGateway> StartEverythingAloneAsync() => StartAsync(["mcp", "everything"], []);

    private static async Task<PublishedGateway> StartAsync(string[] command, string[] flags)
    {
        string dataDirectory = Directory.CreateTempSubdirectory("switchboard-interop-").FullName;
        string adminKey = ApiKeyFormat.Generate().Key;
        try
        {
            var process = await GatewayProcess.StartCommandAsync(
                url => [.. command, "--urls", url, "--environment=Development", $"--Storage:DataDirectory={dataDirectory}", $"--Identity:BootstrapAdminKey={adminKey}", "--Logging:LogLevel:Default=Warning", .. flags],
                dataDirectory,
                StartTimeout);
            return new PublishedGateway(process, dataDirectory, adminKey);
        }
        catch
        {
            Directory.Delete(dataDirectory, recursive: true);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }
}
