using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Claims;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;

namespace Switchboard.Upstreams.Stdio;

/// <summary>
/// The process pools of one stdio upstream: the shared pool, started with the server's own <see cref="UpstreamOptions.Env"/>,
/// and one pool per set of caller credentials (<see cref="StdioPoolSettings.Credentials"/>), started with that set's
/// environment on top. A request goes to the pool of its caller's set, so a process holding one set's credentials
/// never serves a caller of another; health probes, list refreshes and callers of no set use the shared pool.
/// </summary>
/// <remarks>
/// Bounded: every pool holds at most <see cref="StdioPoolSettings.MaxProcesses"/>, and there are as many pools as
/// configured sets plus one. A set's pool starts with its first caller and keeps no process once idle
/// (<see cref="StdioPoolSettings.MinProcesses"/> is the shared pool's only), so a set nobody uses holds nothing.
/// </remarks>
internal sealed partial class StdioCredentialPools : IUpstreamClientSource, IAsyncDisposable
{
    // The claims Switchboard's authentication gives every caller (Switchboard.Access.Identity.SwitchboardClaims;
    // this project does not reference Switchboard.Access, and a test holds the two equal).
    internal const string PrincipalClaim = "switchboard:principal";
    internal const string RoleClaim = "switchboard:role";

    // The caller of the forwarded request in this async flow (InputRequiredBridge sets it); null for the gateway's own.
    private static readonly AsyncLocal<ClaimsPrincipal?> CurrentCaller = new();

    private readonly string _server;
    private readonly UpstreamOptions _options;
    private readonly Func<McpClient, CancellationToken, Task> _prepare;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    // By set name, in name order: the first set naming a caller's role decides when none names its principal id.
    private readonly KeyValuePair<string, StdioCredentialSettings>[] _sets;
    private readonly ConcurrentDictionary<string, Lazy<StdioProcessPool>> _credentialPools = new(StringComparer.Ordinal);
    // Which pool handed out a client, so that it goes back there.
    private readonly ConditionalWeakTable<McpClient, StdioProcessPool> _owners = [];

    public StdioCredentialPools(string server, UpstreamOptions options, Func<McpClient, CancellationToken, Task> prepare, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        (_server, _options, _prepare, _loggerFactory, _time) = (server, options, prepare, loggerFactory, timeProvider);
        _logger = loggerFactory.CreateLogger<StdioCredentialPools>();
        _sets = [.. options.Stdio.Credentials.OrderBy(s => s.Key, StringComparer.Ordinal)];
        Shared = new StdioProcessPool(server, options, prepare, loggerFactory, timeProvider);
    }

    /// <summary>Sets the caller whose credentials the stdio requests of this async flow use.</summary>
    public static ClaimsPrincipal? Caller
    {
        get => CurrentCaller.Value;
        set => CurrentCaller.Value = value;
    }

    /// <summary>The pool of callers of no credential set, and of the gateway's own requests.</summary>
    public StdioProcessPool Shared { get; }

    /// <summary>Processes now, in every pool.</summary>
    public int ProcessCount => Shared.ProcessCount + _credentialPools.Values.Where(p => p.IsValueCreated).Sum(p => p.Value.ProcessCount);

    /// <summary>Processes that crashed or failed to start, in every pool.</summary>
    public long Restarts => Shared.Restarts + _credentialPools.Values.Where(p => p.IsValueCreated).Sum(p => p.Value.Restarts);

    /// <summary>Whether the shared pool's last start worked and none of its processes crashed since.</summary>
    public bool IsAvailable => Shared.IsAvailable;

    /// <summary>The protocol revision the shared pool's last started process agreed.</summary>
    public string? ProtocolVersion => Shared.ProtocolVersion;

    /// <summary>Starts the shared pool (<see cref="StdioProcessPool.EnsureStartedAsync"/>); a set's pool starts with its first caller.</summary>
    public Task EnsureStartedAsync(CancellationToken cancellationToken) => Shared.EnsureStartedAsync(cancellationToken);

    /// <summary>The name of the credential set <paramref name="caller"/> is served with, or null for the shared pool.</summary>
    public string? SetFor(ClaimsPrincipal? caller)
    {
        if (_sets.Length == 0 || caller is null)
        {
            return null;
        }

        if (caller.FindFirst(PrincipalClaim)?.Value is { } principal)
        {
            foreach (var (name, set) in _sets)
            {
                if (set.Principals.Contains(principal, StringComparer.Ordinal))
                {
                    return name;
                }
            }
        }

        var roles = caller.FindAll(RoleClaim).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, set) in _sets)
        {
            if (set.Roles.Any(roles.Contains))
            {
                return name;
            }
        }

        return null;
    }

    /// <inheritdoc />
    public async ValueTask<McpClient> AcquireAsync(CancellationToken cancellationToken)
    {
        var pool = SetFor(Caller) is { } set ? PoolOf(set) : Shared;
        var client = await pool.AcquireAsync(cancellationToken);
        _owners.AddOrUpdate(client, pool);
        return client;
    }

    /// <inheritdoc />
    public ValueTask ReleaseAsync(McpClient client, UpstreamRequestEnd end) =>
        (_owners.TryGetValue(client, out var pool) ? pool : Shared).ReleaseAsync(client, end);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Shared.DisposeAsync();
        await Task.WhenAll(_credentialPools.Values.Where(p => p.IsValueCreated).Select(p => p.Value.DisposeAsync().AsTask()));
    }

    private StdioProcessPool PoolOf(string set) =>
        _credentialPools.GetOrAdd(set, name => new Lazy<StdioProcessPool>(() =>
        {
            LogCredentialPool(_logger, _server, name);
            return new StdioProcessPool(_server, WithCredentials(_options, _options.Stdio.Credentials[name]), _prepare, _loggerFactory, _time);
        })).Value;

    // The server's settings with the set's environment over its own, and no process kept once idle. The pool redacts
    // the values of the Env it is given, so the set's credentials are kept out of its logs too.
    private static UpstreamOptions WithCredentials(UpstreamOptions options, StdioCredentialSettings set)
    {
        var copy = options.Clone();
        copy.Env = new Dictionary<string, string>(options.Env.Concat(set.Env).GroupBy(e => e.Key, StringComparer.Ordinal).Select(g => g.Last()), StringComparer.Ordinal);
        copy.Stdio = options.Stdio.Clone();
        copy.Stdio.MinProcesses = 0;
        return copy;
    }

    [LoggerMessage(EventId = 4045, Level = LogLevel.Information, Message = "Remote MCP server '{Server}': processes for the callers of credential set '{CredentialSet}' are pooled apart from here on.")]
    private static partial void LogCredentialPool(ILogger logger, string server, string credentialSet);
}
