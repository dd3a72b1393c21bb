using ModelContextProtocol.Client;

namespace Switchboard.Upstreams;

/// <summary>
/// One remote MCP server, from section <c>Servers:{name}</c>. Exactly one of <see cref="Url"/> (Streamable HTTP) or
/// <see cref="Command"/> (stdio) makes a server remote.
/// </summary>
public sealed class UpstreamOptions
{
    /// <summary>The upstream's Streamable HTTP endpoint, e.g. <c>https://mcp.internal/mcp</c>.</summary>
    public Uri? Url { get; set; }

    /// <summary>HTTP headers sent with every request to <see cref="Url"/>: the upstream's own credentials. Never logged.</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>OAuth 2.0 client credentials for an HTTP upstream: the gateway gets its own token and sends it.</summary>
    public Http.ClientCredentialsSettings? OAuth { get; set; }

    /// <summary>Spreading requests over every address of the URL's host (<c>Servers:{name}:Discovery</c>).</summary>
    public Discovery.DiscoverySettings Discovery { get; set; } = new();

    /// <summary>The largest answer to one request the gateway reads from an HTTP upstream, in bytes; a larger one fails the request.</summary>
    public long MaxResponseBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>The executable of a stdio upstream; the gateway starts it and speaks MCP over its stdin and stdout.</summary>
    public string? Command { get; set; }

    /// <summary>Arguments for <see cref="Command"/>.</summary>
    public List<string> Args { get; set; } = [];

    /// <summary>
    /// Environment variables for <see cref="Command"/>. The process does not inherit the gateway's environment, only
    /// a short allowlist (<c>PATH</c>, <c>HOME</c>, <c>USER</c>, <c>LOGNAME</c>, <c>SHELL</c>, <c>TERM</c>) and these.
    /// </summary>
    public Dictionary<string, string> Env { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The working directory of <see cref="Command"/>; the gateway's when unset.</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>How long one request to the upstream may take, connecting included, before it fails with a timeout error.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a call of a 2026-07-28 caller may wait for the caller's answer to what a session-based upstream asked
    /// inside it (elicitation, sampling, roots) before it is cancelled; see docs/federation.md.
    /// </summary>
    public TimeSpan PendingCallTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The protocol revision to speak with an HTTP upstream; unset, the newest both sides know.</summary>
    public string? ProtocolVersion { get; set; }

    /// <summary>
    /// Options for an MCP client of this upstream that speaks <paramref name="protocolVersion"/> (null: the newest
    /// both sides know). Its server/discover probe may take as long as any request (<see cref="Timeout"/>), not the
    /// SDK's 5 s: an upstream still starting, or slowed by a busy machine, must not be settled on a session-based
    /// revision, where its questions (elicitation, sampling) never reach a 2026-07-28 caller.
    /// </summary>
    internal McpClientOptions ClientOptions(string? protocolVersion) => new() { DiscoverProbeTimeout = Timeout, ProtocolVersion = protocolVersion };

    /// <summary>Timeouts for single tools, by the upstream's tool name, overriding <see cref="Timeout"/> for calls to them.</summary>
    public Dictionary<string, TimeSpan> ToolTimeouts { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Retries of safe requests (lists, reads, completions, calls of read-only or idempotent tools); health probes are sent once.</summary>
    public Resilience.RetrySettings Retry { get; set; } = new();

    /// <summary>How many requests the upstream gets at once, and how many may wait.</summary>
    public Resilience.ConcurrencySettings Concurrency { get; set; } = new();

    /// <summary>The active health check: a probe on an interval, with thresholds.</summary>
    public Resilience.HealthCheckSettings HealthCheck { get; set; } = new();

    /// <summary>How often the gateway tries to connect while the upstream is unreachable, so its tools appear once it is up.</summary>
    public TimeSpan ReconnectInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How old the upstream's tool, prompt and resource lists may grow before they are read again, for upstreams that
    /// change them without sending <c>list_changed</c>.
    /// </summary>
    public TimeSpan ListTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Which HTTP transport <see cref="Url"/> speaks; see <see cref="UpstreamHttpTransport"/>.</summary>
    public UpstreamHttpTransport HttpTransport { get; set; } = UpstreamHttpTransport.StreamableHttp;

    /// <summary>Which of the upstream's tools are renamed or hidden.</summary>
    public ToolSettings Tools { get; set; } = new();

    /// <summary>When calls stop reaching the upstream for a while.</summary>
    public CircuitBreakerSettings CircuitBreaker { get; set; } = new();

    /// <summary>What happens when one of the upstream's tool definitions changes after it was first seen.</summary>
    public ToolPinning Pinning { get; set; } = ToolPinning.Pin;

    /// <summary>The process pool of a stdio upstream (<c>Servers:{name}:Stdio</c>).</summary>
    public Stdio.StdioPoolSettings Stdio { get; set; } = new();

    /// <summary>The transport this configuration selects.</summary>
    public UpstreamTransport Transport => Url is not null ? UpstreamTransport.Http : UpstreamTransport.Stdio;

    /// <summary>
    /// What the upstream is, for pinning: its URL, or its command line. A pinned definition holds for this identity
    /// only, so pointing a server at another address makes every tool a new definition.
    /// </summary>
    public string Identity => Url is not null ? Url.AbsoluteUri : string.Join(' ', [Command, .. Args]);

    /// <summary>A shallow copy, to change a few settings for one use and keep every other one as configured.</summary>
    internal UpstreamOptions Clone() => (UpstreamOptions)MemberwiseClone();
}

/// <summary>Tool-definition pinning (rug-pull protection) of one upstream; see docs/federation.md.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<ToolPinning>))]
public enum ToolPinning
{
    /// <summary>A changed definition is quarantined, hidden and refused, until an administrator approves it.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("pin")]
    Pin,

    /// <summary>A changed definition is served, with a Warning in the log and an audit event.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("warn")]
    Warn,

    /// <summary>Definitions are not recorded or compared.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("off")]
    Off,
}

/// <summary>Which HTTP transport an upstream at a URL speaks.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<UpstreamHttpTransport>))]
public enum UpstreamHttpTransport
{
    /// <summary>Streamable HTTP (2025-03-26 and later): the default.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("streamable-http")]
    StreamableHttp,

    /// <summary>The legacy HTTP+SSE transport of 2024-11-05: a GET event stream and a POST endpoint it names.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("sse")]
    Sse,

    /// <summary>Streamable HTTP, falling back to HTTP+SSE when the upstream answers 400, 404 or 405.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("auto")]
    Auto,
}

/// <summary>How an upstream is reached.</summary>
public enum UpstreamTransport
{
    /// <summary>Streamable HTTP at <see cref="UpstreamOptions.Url"/>.</summary>
    Http,

    /// <summary>A child process started from <see cref="UpstreamOptions.Command"/>.</summary>
    Stdio,
}

/// <summary>Renaming and hiding an upstream's tools, by the names the upstream gives them.</summary>
public sealed class ToolSettings
{
    /// <summary>Upstream name → exposed name: the tool is served (and decided on by policy) under the new name only.</summary>
    public Dictionary<string, string> Rename { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Upstream names of tools that are not served at all: neither listed nor callable.</summary>
    public List<string> Hide { get; set; } = [];
}

/// <summary>
/// The circuit breaker of one upstream (Polly's): once at least <see cref="MinimumThroughput"/> calls in
/// <see cref="SamplingDuration"/> failed at a ratio of <see cref="FailureRatio"/> or more, calls fail at once for
/// <see cref="BreakDuration"/>; then one trial call decides whether it closes again.
/// </summary>
public sealed class CircuitBreakerSettings
{
    /// <summary>The share of failed calls (0 to 1) that opens the circuit.</summary>
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>How many calls the sampling window needs before the ratio counts; at least 2.</summary>
    public int MinimumThroughput { get; set; } = 5;

    /// <summary>The window in which failures are counted; at least 0.5 s.</summary>
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long calls fail at once before a trial call; at least 0.5 s.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);
}
