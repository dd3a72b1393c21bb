using Microsoft.Extensions.Options;
using Switchboard.Gateway.Http;

namespace Switchboard.Gateway;

/// <summary>How the gateway's HTTP endpoints guard themselves. Section <c>Gateway</c>.</summary>
public sealed class GatewayOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Gateway";

    /// <summary>
    /// Host names a request's <c>Host</c> header, and its <c>Origin</c> header when present, may name. Anything else
    /// is refused, which defeats DNS rebinding against a gateway on a developer's machine. <c>*</c> allows any host:
    /// only behind a proxy that checks it.
    /// </summary>
    public IList<string> AllowedHosts { get; } = [];

    /// <summary>How clients that use the initialize handshake are served; see <see cref="GatewaySessionMode"/>.</summary>
    public GatewaySessionMode Sessions { get; set; } = GatewaySessionMode.Hybrid;

    /// <summary>
    /// Reverse proxies and load balancers (addresses, or networks such as <c>10.0.0.0/8</c>) whose
    /// <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> are believed. Behind a proxy this must be set: the client
    /// address is what failed authentications are counted and blocked by, and what the audit trail records; without it
    /// every client would share the proxy's. Headers from anyone else are ignored, so clients cannot pick an address.
    /// </summary>
    public IList<string> TrustedProxies { get; } = [];

    /// <summary>Cross-origin access for browser-based MCP clients; off until origins are listed.</summary>
    public GatewayCorsOptions Cors { get; } = new();

    /// <summary>The largest JSON-RPC request body accepted, in bytes.</summary>
    public long MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// How long a session-based client may stay silent before its session is ended; it then gets 404 and starts a
    /// new one, as the MCP transport specifies. The SDK's default is two hours.
    /// </summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How many idle sessions a replica keeps; past it, the longest idle are ended first. About 25 KB each.</summary>
    public int MaxIdleSessions { get; set; } = 10_000;

    /// <summary>
    /// How many sessions one principal may hold open on a replica; its next <c>initialize</c> is refused (429) until
    /// one ends. Keeps one key from filling <see cref="MaxIdleSessions"/> and so ending everyone else's sessions.
    /// </summary>
    public int MaxSessionsPerPrincipal { get; set; } = 100;

    /// <summary>
    /// Whether a sessionless 2026-07-28 <c>tools/call</c> to a self-contained built-in tool (utilities, financial) is
    /// answered by the gateway itself instead of through the MCP SDK's transport and dispatch, with the same answer
    /// (<c>DirectToolCall</c>, issue 18). Off sends every call through the SDK.
    /// </summary>
    public bool DirectToolCalls { get; set; } = true;

    /// <summary>What a replica keeps so that session clients can resume a broken SSE stream (SEP-1699).</summary>
    public GatewayResumableStreamOptions ResumableStreams { get; } = new();

    /// <summary>How many requests are worked on at once; see <see cref="GatewayAdmissionOptions"/>.</summary>
    public GatewayAdmissionOptions Admission { get; } = new();

    /// <summary>Hosts allowed when the configuration names none: the loopback names.</summary>
    public static IReadOnlyList<string> LoopbackHosts { get; } = ["localhost", "127.0.0.1", "[::1]"];

    /// <summary>The hosts actually in force.</summary>
    public IReadOnlyList<string> EffectiveAllowedHosts => AllowedHosts.Count > 0 ? [.. AllowedHosts] : LoopbackHosts;
}

/// <summary>Which web pages may call the MCP endpoints from a browser. Section <c>Gateway:Cors</c>.</summary>
public sealed class GatewayCorsOptions
{
    /// <summary>
    /// Origins (<c>https://app.example.com</c>: scheme, host and port, no path) whose pages may call <c>/mcp</c> and
    /// <c>/servers/{name}/mcp</c>. Their requests also pass the <c>Origin</c> check of <see cref="GatewayOptions.AllowedHosts"/>.
    /// </summary>
    public IList<string> AllowedOrigins { get; } = [];
}

/// <summary>
/// The in-memory store of sent SSE events that a session client may ask for again after reconnecting
/// (<c>Last-Event-ID</c>). Section <c>Gateway:ResumableStreams</c>. Bounded in bytes and time, so that responses do
/// not pile up in memory under load.
/// </summary>
public sealed class GatewayResumableStreamOptions
{
    /// <summary>How long a sent event can be asked for again.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The most bytes of events a replica keeps; past it, the store compacts, dropping the least recently used.</summary>
    public long MaxBytes { get; set; } = 64L * 1024 * 1024;
}

/// <summary>
/// How many requests a replica works on at once; the rest wait their turn, in arrival order, so that past its capacity
/// it keeps serving at capacity instead of slowing every call down (<c>Http/RequestAdmission.cs</c>). Section
/// <c>Gateway:Admission</c>.
/// </summary>
public sealed class GatewayAdmissionOptions
{
    /// <summary>Requests worked on per CPU when <see cref="MaxRequests"/> is not set.</summary>
    public const int DefaultPerCpu = 512;

    /// <summary>
    /// The most requests worked on at once (not counting <c>GET</c>s: SSE streams, probes, scrapes); 0 admits every
    /// request at once. Unset: <see cref="DefaultPerCpu"/> per CPU the process may use.
    /// </summary>
    public int? MaxRequests { get; set; }

    /// <summary>
    /// How long a request keeps its place at most. One forwarding to an upstream or calling a model gives it back as
    /// it starts waiting; one still running by then waits on something else (a person, say), so it gives it to the next.
    /// </summary>
    public TimeSpan MaxHold { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The limit in force: <see cref="MaxRequests"/>, or its default for this machine.</summary>
    public int EffectiveMaxRequests => MaxRequests ?? DefaultPerCpu * Environment.ProcessorCount;
}

/// <summary>Whether the gateway keeps MCP sessions.</summary>
public enum GatewaySessionMode
{
    /// <summary>
    /// Session-based clients (protocol 2025-03-26 to 2025-11-25) get a session, so sampling, elicitation, roots,
    /// logging and notifications flow back to them; 2026-07-28 clients are served per request. Needs session
    /// affinity when several replicas serve one endpoint.
    /// </summary>
    Hybrid,

    /// <summary>
    /// No sessions for anyone: any replica serves any request, but tools cannot call back into the client.
    /// </summary>
    Stateless,
}

/// <summary>Checks <see cref="GatewayOptions"/> at start, with messages that say what to change.</summary>
internal sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    private const long MinBody = 1024;
    private const long MaxBody = 1024L * 1024 * 1024;

    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var failures = new List<string>();
        if (options.MaxRequestBodyBytes is < MinBody or > MaxBody)
        {
            failures.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Gateway:MaxRequestBodyBytes is {options.MaxRequestBodyBytes}; set it between {MinBody} and {MaxBody} bytes."));
        }

        if (options.SessionIdleTimeout <= TimeSpan.Zero)
        {
            failures.Add($"Gateway:SessionIdleTimeout is {options.SessionIdleTimeout}; set a positive duration such as '00:30:00'.");
        }

        if (options.MaxIdleSessions < 1)
        {
            failures.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Gateway:MaxIdleSessions is {options.MaxIdleSessions}; set it to 1 or more."));
        }

        if (options.MaxSessionsPerPrincipal < 1)
        {
            failures.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Gateway:MaxSessionsPerPrincipal is {options.MaxSessionsPerPrincipal}; set it to 1 or more."));
        }

        if (options.ResumableStreams.Retention <= TimeSpan.Zero || options.ResumableStreams.MaxBytes < 1)
        {
            failures.Add("Gateway:ResumableStreams needs a positive Retention (such as '00:05:00') and MaxBytes.");
        }

        if (options.Admission.MaxRequests < 0)
        {
            failures.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Gateway:Admission:MaxRequests is {options.Admission.MaxRequests}; set it to 1 or more, or 0 to admit every request at once."));
        }

        if (options.Admission.MaxHold <= TimeSpan.Zero)
        {
            failures.Add($"Gateway:Admission:MaxHold is {options.Admission.MaxHold}; set a positive duration such as '00:00:01'.");
        }

        foreach (var host in options.AllowedHosts)
        {
            if (host != "*" && Uri.CheckHostName(host.Trim('[', ']')) == UriHostNameType.Unknown)
            {
                failures.Add($"Gateway:AllowedHosts contains '{host}', which is not a host name or address; list bare host names such as 'mcp.example.com' (no scheme, no port), or '*'.");
            }
        }

        foreach (var proxy in options.TrustedProxies)
        {
            if (!System.Net.IPNetwork.TryParse(proxy, out _) && !System.Net.IPAddress.TryParse(proxy, out _))
            {
                failures.Add($"Gateway:TrustedProxies contains '{proxy}', which is not an address or network; list addresses such as '10.0.0.7' or networks such as '10.0.0.0/8'.");
            }
        }

        foreach (var origin in options.Cors.AllowedOrigins)
        {
            if (!GatewayCors.IsOrigin(origin))
            {
                failures.Add($"Gateway:Cors:AllowedOrigins contains '{origin}', which is not an origin; list origins such as 'https://app.example.com' or 'http://localhost:6274' (scheme, host and port; no path, no '*').");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
