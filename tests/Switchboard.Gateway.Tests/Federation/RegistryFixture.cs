using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Switchboard.Gateway.Tests.Cli;
using Switchboard.Gateway.Tests.Infrastructure;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// What the registry tests share: a database (SQLite in a folder of its own, or a PostgreSQL database of its own), the
/// CLI against it, gateways on it, an administrator key made with the CLI, and an upstream to register.
/// </summary>
internal sealed class RegistryFixture : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly List<GatewayProcess> _gateways = [];
    private readonly List<Process> _upstreams = [];
    private readonly ScratchDatabase? _database;

    private RegistryFixture(string directory, List<string> flags, ScratchDatabase? database) => (Directory, Flags, _database) = (directory, flags, database);

    public string Directory { get; }

    /// <summary>The storage (and Redis) flags every process here runs with.</summary>
    public List<string> Flags { get; }

    /// <summary>The PostgreSQL database's connection string, or null on SQLite.</summary>
    public string? ConnectionString => _database?.ConnectionString;

    public string AdminKey { get; private set; } = string.Empty;

    public HttpClient Http { get; } = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<RegistryFixture> CreateAsync(bool postgres, bool redis = false)
    {
        string directory = System.IO.Directory.CreateTempSubdirectory("switchboard-registry-").FullName;
        List<string> flags = [$"--Storage:DataDirectory={directory}"];
        ScratchDatabase? database = null;
        if (postgres)
        {
            database = await ScratchDatabase.CreateAsync("sb_reg");
            flags.AddRange(database.Flags);
            // A database replicas share: credentials are stored only with a key every replica has.
            flags.Add($"--CredentialEncryption:Keys:fleet={Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))}");
        }

        if (redis)
        {
            flags.AddRange([$"--Redis:ConnectionString={TestServices.Redis}", $"--Redis:KeyPrefix=t{Guid.NewGuid():N}:"]);
        }

        var fixture = new RegistryFixture(directory, flags, database);
        Assert.Equal(0, (await fixture.CliAsync("migrate")).ExitCode);
        var key = await fixture.CliAsync("keys", "create", "--name", "registry-admin", "--role", "admin");
        Assert.True(key.ExitCode == 0, key.Output);
        fixture.AdminKey = key.StandardOutput.Trim();
        fixture.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", fixture.AdminKey);
        return fixture;
    }

    public Task<ProcessResult> CliAsync(params string[] command) =>
        ProcessRunner.RunAsync(GatewayProcess.Executable, [.. command, .. Flags], Timeout, Directory, cancellationToken: Ct);

    public async Task<GatewayProcess> StartGatewayAsync(params string[] flags)
    {
        var gateway = await GatewayProcess.StartAsync(["--Servers:utilities:Enabled=true", .. Flags, .. flags], Directory, Timeout);
        _gateways.Add(gateway);
        return gateway;
    }

    /// <summary>Starts <c>switchboard mcp everything</c> over HTTP, guarded by <paramref name="key"/>; returns its /mcp URL.</summary>
    public async Task<string> StartEverythingAsync(string key, IReadOnlyDictionary<string, string>? environment = null)
    {
        string url = LoopbackPort.NextUrl();
        string directory = System.IO.Directory.CreateDirectory(Path.Combine(Directory, $"upstream-{_upstreams.Count}")).FullName;
        _upstreams.Add(await EverythingUpstream.StartAsync(url, key, directory, Timeout, environment));
        return $"{url}/mcp";
    }

    /// <summary>
    /// Adds the upstream at <paramref name="url"/>, guarded by <paramref name="key"/>, as <paramref name="name"/> with
    /// <c>switchboard servers add</c>, and waits until <paramref name="gateway"/> serves its <paramref name="tool"/>.
    /// </summary>
    public async Task AddServedAsync(GatewayProcess gateway, string name, string url, string key, string tool)
    {
        var added = await CliAsync("servers", "add", name, "--url", url, "--header", $"Authorization=Bearer {key}");
        Assert.True(added.ExitCode == 0, added.Output);
        await Poll.UntilAsync(async () => (await ToolNamesAsync(gateway)).Contains($"{name}__{tool}"), Timeout, $"the added server {name} was not served");
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> ApiAsync(GatewayProcess gateway, HttpMethod method, string path, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri($"{gateway.Url}/api/v1{path}"));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await Http.SendAsync(request, Ct);
        string text = await response.Content.ReadAsStringAsync(Ct);
        using var document = JsonDocument.Parse(text.Length == 0 ? "null" : text);
        return (response.StatusCode, document.RootElement.Clone());
    }

    public async Task<List<string>> ToolNamesAsync(GatewayProcess gateway)
    {
        var (status, message) = await gateway.RequestAsync(AdminKey, "tools/list", cancellationToken: Ct);
        Assert.Equal(HttpStatusCode.OK, status);
        return [.. message!.Value.GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()!)];
    }

    public async Task<List<JsonElement>> AuditAsync(GatewayProcess gateway, string action)
    {
        var (status, body) = await ApiAsync(gateway, HttpMethod.Get, $"/audit?action={Uri.EscapeDataString(action)}&limit=1000");
        Assert.Equal(HttpStatusCode.OK, status);
        return [.. body.GetProperty("events").EnumerateArray()];
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var gateway in _gateways)
        {
            await gateway.DisposeAsync();
        }

        foreach (var upstream in _upstreams)
        {
            await ProcessRunner.KillAsync(upstream);

            upstream.Dispose();
        }

        Http.Dispose();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
