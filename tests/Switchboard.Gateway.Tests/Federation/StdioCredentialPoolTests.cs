using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Switchboard.Access.Identity;
using Switchboard.Gateway.Tests.Cli;
using Switchboard.Testing;
using Switchboard.Upstreams.Stdio;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// Caller credentials of a stdio upstream (<c>Servers:{name}:Stdio:Credentials</c>) in the published gateway: each set's
/// callers are served by processes started with that set's environment, read back from <c>/proc/{pid}/environ</c>,
/// never by another set's, and each set stays within <c>MaxProcesses</c> under concurrent load.
/// </summary>
public sealed class StdioCredentialPoolTests : IDisposable
{
    private const string Tool = PooledEverythingGateway.Tool;
    private const string TokenVariable = "TENANT_TOKEN";
    private const int MaxProcesses = 2;
    private static readonly TimeSpan Timeout = PooledEverythingGateway.Timeout;

    private readonly PooledEverythingGateway _pool = new("switchboard-stdio-credentials-");
    private readonly string _alphaSecret = $"alpha-{Guid.NewGuid():N}";
    private readonly string _betaSecret = $"beta-{Guid.NewGuid():N}";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _pool.Dispose();

    [Fact]
    public async Task TwoCredentialSets_NeverShareAProcess_AndEachStaysWithinMaxProcesses()
    {
        await using var gateway = await _pool.StartAsync(
            [
                "--Servers:pooled:Timeout=00:00:30",
                "--Servers:pooled:Concurrency:MaxQueued=1000",
                $"--Servers:pooled:Stdio:MaxProcesses={MaxProcesses}",
                "--Servers:pooled:Stdio:Credentials:alpha:Roles:0=admin",
                $"--Servers:pooled:Stdio:Credentials:alpha:Env:{TokenVariable}={_alphaSecret}",
                "--Servers:pooled:Stdio:Credentials:beta:Roles:0=tenant-b",
                $"--Servers:pooled:Stdio:Credentials:beta:Env:{TokenVariable}={_betaSecret}",
                "--Policy:Roles:tenant-b:0=tools:call pooled/*",
                .. RateLimitFlags("admin"),
                .. RateLimitFlags("tenant-b"),
            ]);
        string betaKey = await CreateKeyAsync(gateway, "tenant-b");
        // The gateway's own connection (and its health probes) use the shared pool: a process without credentials.
        await Poll.UntilAsync(() => Tokens().Contains(null), Timeout, $"the shared process did not start{Environment.NewLine}{gateway.Output}");
        // Readiness does not wait for upstreams: the tool is unknown until the server's catalog has been read.
        await Poll.UntilAsync(
            async () => (await gateway.CallToolAsync(_pool.AdminKey, Tool, Ct)).TryGetProperty("result", out _),
            Timeout,
            $"the pooled server's tool was never served{Environment.NewLine}{gateway.Output}");

        var alphaOnly = await RunLoadAsync(gateway, (_pool.AdminKey, 200));
        Assert.DoesNotContain(_betaSecret, alphaOnly.Seen);
        Assert.Contains(_alphaSecret, alphaOnly.Seen);

        var both = await RunLoadAsync(gateway, (_pool.AdminKey, 200), (betaKey, 200));
        Assert.Contains(_betaSecret, both.Seen);
        // Per set, never more than MaxProcesses at once; so at most three pools' worth in all.
        Assert.InRange(alphaOnly.MostPerToken.GetValueOrDefault(_alphaSecret), 1, MaxProcesses);
        Assert.InRange(both.MostPerToken.GetValueOrDefault(_alphaSecret), 1, MaxProcesses);
        Assert.InRange(both.MostPerToken.GetValueOrDefault(_betaSecret), 1, MaxProcesses);
        Assert.InRange(both.MostInAll, 2, 3 * MaxProcesses);
        // The sets' values are credentials: they never reach the gateway's log.
        Assert.DoesNotContain(_alphaSecret, gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(_betaSecret, gateway.Output, StringComparison.Ordinal);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"400 concurrent calls of two sets: at most {both.MostPerToken.GetValueOrDefault(_alphaSecret)} alpha and {both.MostPerToken.GetValueOrDefault(_betaSecret)} beta processes, {both.MostInAll} in all (MaxProcesses {MaxProcesses}).");
    }

    [Fact]
    public void ClaimTypes_AreThoseSwitchboardAuthenticationGives()
    {
        Assert.Equal(SwitchboardClaims.Principal, StdioCredentialPools.PrincipalClaim);
        Assert.Equal(SwitchboardClaims.Role, StdioCredentialPools.RoleClaim);
    }

    [Fact]
    public void CredentialSet_WithoutCallersOrEnv_IsRefusedWithTheKey()
    {
        var settings = new StdioPoolSettings { Credentials = { ["alpha"] = new StdioCredentialSettings() } };

        var problems = settings.Problems("Servers:pooled:Stdio").ToList();

        Assert.Contains(problems, p => p.StartsWith("Servers:pooled:Stdio:Credentials:alpha names no Principals and no Roles", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Servers:pooled:Stdio:Credentials:alpha:Env is empty", StringComparison.Ordinal));
    }

    private static string[] RateLimitFlags(string role) =>
    [
        $"--RateLimits:Roles:{role}:PerPrincipal:Permits=100000",
        $"--RateLimits:Roles:{role}:PerPrincipal:Burst=100000",
        $"--RateLimits:Roles:{role}:PerPrincipalTool:Permits=100000",
        $"--RateLimits:Roles:{role}:PerPrincipalTool:Burst=100000",
    ];

    private async Task<string> CreateKeyAsync(GatewayProcess gateway, string role)
    {
        using var http = new HttpClient { BaseAddress = new Uri(gateway.Url) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _pool.AdminKey);
        string key = "";
        await Poll.UntilAsync(
            async () =>
            {
                using var created = await http.PostAsJsonAsync("/api/v1/keys", new { name = $"{role}-key", roles = new[] { role } }, Ct);
                if (!created.IsSuccessStatusCode)
                {
                    return false;
                }

                key = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("key").GetString()!;
                return true;
            },
            Timeout,
            $"no key for {role}{Environment.NewLine}{gateway.Output}");
        return key;
    }

    // Calls the tool concurrently as each caller while sampling the upstream processes' credentials.
    private async Task<Load> RunLoadAsync(GatewayProcess gateway, params (string Key, int Calls)[] callers)
    {
        var load = new Load();
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                load.Sample(Tokens());
                await Task.Delay(20, CancellationToken.None); // a sampling interval, not a wait for an event
            }
        }, CancellationToken.None);
        JsonElement[] calls;
        try
        {
            calls = await Task.WhenAll(callers.SelectMany(c => Enumerable.Range(0, c.Calls).Select(_ => gateway.CallToolAsync(c.Key, Tool, Ct))));
            load.Sample(Tokens());
        }
        finally
        {
            await stop.CancelAsync(); // also when a call failed: the sampler must not outlive the test
            await sampler;
        }
        Assert.All(calls, call => Assert.True(call.TryGetProperty("result", out var result) && !(result.TryGetProperty("isError", out var isError) && isError.GetBoolean()), call.ToString()));
        return load;
    }

    // The credential of each of our upstream processes (not their guards): its TENANT_TOKEN, null when it has none.
    private List<string?> Tokens()
    {
        var tokens = new List<string?>();
        foreach (var (pid, commandLine) in _pool.Processes())
        {
            if (PooledEverythingGateway.IsGuard(commandLine))
            {
                continue;
            }

            try
            {
                string? token = File.ReadAllText($"/proc/{pid}/environ")
                    .Split('\0')
                    .FirstOrDefault(v => v.StartsWith($"{TokenVariable}=", StringComparison.Ordinal))?[(TokenVariable.Length + 1)..];
                tokens.Add(token);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // it exited while we looked
            }
        }

        return tokens;
    }

    private sealed class Load
    {
        private readonly Lock _lock = new();

        public HashSet<string> Seen { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, int> MostPerToken { get; } = new(StringComparer.Ordinal);

        public int MostInAll { get; private set; }

        public void Sample(List<string?> tokens)
        {
            lock (_lock)
            {
                MostInAll = Math.Max(MostInAll, tokens.Count);
                foreach (var group in tokens.OfType<string>().GroupBy(t => t, StringComparer.Ordinal))
                {
                    Seen.Add(group.Key);
                    MostPerToken[group.Key] = Math.Max(MostPerToken.GetValueOrDefault(group.Key), group.Count());
                }
            }
        }
    }
}
