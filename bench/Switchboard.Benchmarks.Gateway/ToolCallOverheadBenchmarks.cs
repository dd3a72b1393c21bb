using System.Security.Claims;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Access.Authorization;
using Switchboard.Access.Identity;
using Switchboard.Gateway;
using Switchboard.Gateway.Identity;
using Switchboard.Policy;
using Switchboard.Policy.RateLimiting;
using Switchboard.Storage.Caching;
using Switchboard.Storage.Maintenance;

namespace Switchboard.Benchmarks.Gateway;

/// <summary>Where the rate limiter keeps its token buckets.</summary>
public enum RateLimitStore
{
    /// <summary>In process: Redis not configured (a single replica).</summary>
    Local,

    /// <summary>Shared through Redis, one script call per bucket: runs when SWITCHBOARD_TEST_REDIS names a server.</summary>
    Redis,
}

/// <summary>
/// What the gateway adds to one tool call before the tool runs, with every cache warm (issue 6; target under 50 µs
/// in all): authenticating the API key, the policy decision and the rate limits, each alone and together the way
/// <c>McpAccessFilters</c> runs them. Services come from <c>AddSwitchboardGateway</c> over a SQLite file, so these
/// are the production types wired as the host wires them.
/// </summary>
[MemoryDiagnoser]
public class ToolCallOverheadBenchmarks : IAsyncDisposable
{
    private const string Scope = "utilities/uuid_v4";

    private ServiceProvider _services = null!;
    private ApiKeyService _keys = null!;
    private AccessPolicyProvider _policies = null!;
    private IToolCallRateLimiter _limiter = null!;
    private string _key = null!;
    private string _principal = null!;
    private RoleSet _roles = null!;
    private string? _directory;

    /// <summary>The bucket store under test.</summary>
    [ParamsSource(nameof(Stores))]
    public RateLimitStore Limiter { get; set; }

    /// <summary>Redis only when a test Redis is there (scripts/services.sh start): by default the benchmark needs no services.</summary>
    public static IEnumerable<RateLimitStore> Stores =>
        Environment.GetEnvironmentVariable("SWITCHBOARD_TEST_REDIS") is { Length: > 0 }
            ? [RateLimitStore.Local, RateLimitStore.Redis]
            : [RateLimitStore.Local];

    /// <summary>Builds the gateway's services, migrates, makes an agent key and warms every cache with one call.</summary>
    [GlobalSetup]
    public async Task SetupAsync()
    {
        _directory = Directory.CreateTempSubdirectory("sb-bench-gateway-").FullName;
        var settings = new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = $"Data Source={Path.Combine(_directory, "bench.db")}",
            // Limits no benchmark run can reach, so every call measures the path that admits it.
            ["RateLimits:Default:PerPrincipal:Permits"] = "1000000000",
            ["RateLimits:Default:PerPrincipal:Period"] = "00:00:01",
            ["RateLimits:Default:PerPrincipal:Burst"] = "1000000000",
            ["RateLimits:Default:PerPrincipalTool:Permits"] = "1000000000",
            ["RateLimits:Default:PerPrincipalTool:Period"] = "00:00:01",
            ["RateLimits:Default:PerPrincipalTool:Burst"] = "1000000000",
        };
        if (Limiter == RateLimitStore.Redis)
        {
            settings["Redis:ConnectionString"] = Environment.GetEnvironmentVariable("SWITCHBOARD_TEST_REDIS");
            // Its own keys on a Redis that tests share; they expire on their own.
            settings["Redis:KeyPrefix"] = $"sb-bench-{Guid.NewGuid():N}:";
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSwitchboardGateway(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), servers: []);
        _services = services.BuildServiceProvider();

        var migrated = await _services.GetRequiredService<StorageCommands>().MigrateAsync();
        if (!migrated.Succeeded)
        {
            throw new InvalidOperationException(migrated.Message);
        }

        var redis = _services.GetRequiredService<RedisConnection>();
        await redis.StartAsync();
        if (Limiter == RateLimitStore.Redis && !redis.IsAvailable)
        {
            throw new InvalidOperationException($"Redis at {redis.Endpoint} is not reachable; run scripts/services.sh start or unset SWITCHBOARD_TEST_REDIS.");
        }

        _keys = _services.GetRequiredService<ApiKeyService>();
        _policies = _services.GetRequiredService<AccessPolicyProvider>();
        _limiter = _services.GetRequiredService<IToolCallRateLimiter>();
        _key = (await _keys.CreateAsync("bench-agent", [BuiltInRoles.Agent], actor: "bench")).Key;

        var user = await AuthenticateRequest();
        _principal = user.PrincipalId()!;
        _roles = user.Roles();
        if (!await ToolCall())
        {
            throw new InvalidOperationException("The warm-up tool call was refused: the benchmark would measure a refusal.");
        }
    }

    /// <summary>
    /// The key check alone: cached lookup by prefix, SHA-256 of the secret, constant-time compare, cached roles.
    /// </summary>
    [Benchmark]
    public async Task<string?> ApiKeyCheck() => (await _keys.AuthenticateAsync(_key)).Caller?.Principal;

    /// <summary>
    /// Authentication as a request gets it: the switchboard scheme forwards to the API-key handler, which checks
    /// the key and builds the caller's claims; inside the per-request service scope the authentication services need.
    /// </summary>
    [Benchmark]
    public async Task<ClaimsPrincipal> AuthenticateRequest()
    {
        await using var scope = _services.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Headers.Authorization = $"Bearer {_key}";
        var result = await context.AuthenticateAsync(SwitchboardIdentityExtensions.Scheme);
        return result.Principal ?? throw new InvalidOperationException(result.Failure?.Message ?? "not authenticated");
    }

    /// <summary>The cached policy decision for the caller's roles on one tool.</summary>
    [Benchmark]
    public bool PolicyDecision() => _policies.Current.Decide(_roles, Actions.CallTool, Scope).Allowed;

    /// <summary>One token from the per-principal-and-tool and the per-principal buckets.</summary>
    [Benchmark]
    public async Task<bool> RateLimit() => (await _limiter.AcquireAsync(_principal, _roles, Scope)).Allowed;

    /// <summary>All three in order, as a tool call meets them: authenticate, roles from the claims, decide, limit.</summary>
    [Benchmark]
    public async Task<bool> ToolCall()
    {
        var user = await AuthenticateRequest();
        var roles = user.Roles();
        return _policies.Current.Decide(roles, Actions.CallTool, Scope).Allowed
            && (await _limiter.AcquireAsync(user.PrincipalId()!, roles, Scope)).Allowed;
    }

    /// <summary>Disposes the services and deletes the database file.</summary>
    [GlobalCleanup]
    public async Task CleanupAsync() => await DisposeAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (_services is not null)
        {
            await _services.DisposeAsync();
            _services = null!;
        }

        if (_directory is not null)
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(_directory, recursive: true);
            _directory = null;
        }
    }
}
