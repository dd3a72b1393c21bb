using Switchboard.Storage.Model;
using Switchboard.Upstreams;

namespace Switchboard.Gateway.Servers;

/// <summary>
/// A server as an administrator sees it (<c>GET /api/v1/servers</c>, <c>switchboard servers show</c>). Header and
/// environment values are never shown, only their names; a URL is shown without user information or query.
/// </summary>
/// <param name="Name">The server's name.</param>
/// <param name="Source">Where its registration comes from.</param>
/// <param name="Transport"><c>http</c>, <c>stdio</c> or <c>in-process</c>.</param>
/// <param name="Url">The HTTP upstream's endpoint, redacted.</param>
/// <param name="Command">The stdio upstream's executable.</param>
/// <param name="Args">Its arguments.</param>
/// <param name="Headers">The names of the headers sent upstream, each value shown as <c>***</c>.</param>
/// <param name="Env">The names of the stdio upstream's environment variables, each value shown as <c>***</c>.</param>
/// <param name="Pinning">Tool-definition pinning; null for a built-in server.</param>
/// <param name="Enabled">Whether the registration asks for it to be served.</param>
/// <param name="State">What this replica does with it: <c>serving</c>, <c>connected</c>, <c>not-connected</c>, <c>circuit-open</c>, <c>disabled</c>, <c>name-collision</c>, <c>invalid</c>; <c>stored</c> where no gateway answered (the CLI).</param>
/// <param name="Reason">Why it is not served, in words; null when it is.</param>
/// <param name="Tools">How many of its tools are served.</param>
/// <param name="QuarantinedTools">Its tools whose changed definition awaits approval.</param>
/// <param name="Description">What it is for.</param>
/// <param name="CreatedAt">When it was registered (stored servers).</param>
/// <param name="UpdatedAt">When its registration last changed (stored servers).</param>
/// <param name="Breaker">A remote server's circuit here: <c>closed</c>, <c>half-open</c>, <c>open</c>; null otherwise.</param>
/// <param name="Health">What this replica's active checks of a remote server found: <c>healthy</c>, <c>unhealthy</c>, <c>unknown</c>; null otherwise.</param>
/// <param name="Compose">The tools a virtual server composes (<c>server/tool</c>); null for other servers.</param>
public sealed record ServerInfo(
    string Name,
    ServerSource Source,
    string Transport,
    string? Url,
    string? Command,
    IReadOnlyList<string>? Args,
    IReadOnlyDictionary<string, string>? Headers,
    IReadOnlyDictionary<string, string>? Env,
    ToolPinning? Pinning,
    bool Enabled,
    string State,
    string? Reason,
    int Tools,
    IReadOnlyList<string> QuarantinedTools,
    string? Description,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? UpdatedAt,
    string? Breaker = null,
    string? Health = null,
    IReadOnlyList<string>? Compose = null)
{
    private const string Hidden = "***";

    /// <summary>A remote server's registration, with <paramref name="state"/> as this process knows it.</summary>
    /// <param name="name">The server's name.</param>
    /// <param name="source">Where its registration comes from.</param>
    /// <param name="options">Its upstream settings.</param>
    /// <param name="stored">Its stored registration, for a stored server.</param>
    /// <param name="state">Its state here.</param>
    /// <param name="reason">Why it is not served, or null.</param>
    /// <param name="tools">How many of its tools are served.</param>
    /// <param name="quarantined">Its tools awaiting approval.</param>
    public static ServerInfo Remote(string name, ServerSource source, UpstreamOptions options, RegisteredServer? stored, string state, string? reason, int tools, IReadOnlyList<string> quarantined) => new(
        name,
        source,
        options.Transport == UpstreamTransport.Http ? ServerTransports.Http : ServerTransports.Stdio,
        options.Url is { } url ? Redact(url) : null,
        options.Command,
        options.Url is null ? options.Args : null,
        options.Url is not null ? Names(options.Headers) : null,
        options.Url is null ? Names(options.Env) : null,
        options.Pinning,
        stored?.Enabled ?? true,
        state,
        reason,
        tools,
        quarantined,
        stored?.Description,
        stored?.CreatedAt,
        stored?.UpdatedAt);

    /// <summary>A stored registration whose settings cannot be read.</summary>
    /// <param name="stored">The registration.</param>
    /// <param name="reason">Why its settings cannot be read.</param>
    public static ServerInfo Unreadable(RegisteredServer stored, string reason) => new(
        stored.Name, ServerSource.Stored, stored.Transport, null, null, null, null, null, null, stored.Enabled, "invalid", reason, 0, [], stored.Description, stored.CreatedAt, stored.UpdatedAt);

    /// <summary>A stored virtual server, with <paramref name="state"/> as this process knows it.</summary>
    /// <param name="stored">Its stored registration.</param>
    /// <param name="compose">The tools it composes.</param>
    /// <param name="state">Its state here.</param>
    /// <param name="reason">Why it is not served, or null.</param>
    /// <param name="tools">How many tools it serves now.</param>
    public static ServerInfo Virtual(RegisteredServer stored, IReadOnlyList<string> compose, string state, string? reason, int tools) => new(
        stored.Name, ServerSource.Stored, ServerTransports.Virtual, null, null, null, null, null, null, stored.Enabled, state, reason, tools, [], stored.Description, stored.CreatedAt, stored.UpdatedAt, Compose: compose);

    /// <summary>A built-in server served in-process.</summary>
    internal static ServerInfo BuiltIn(string name, string? description, int tools) => new(
        name, ServerSource.BuiltIn, ServerTransports.InProcess, null, null, null, null, null, null, true, "serving", null, tools, [], description, null, null);

    /// <summary>A URL as it may be shown: no user information, no query (either may carry a credential).</summary>
    internal static string Redact(Uri url) =>
        new UriBuilder(url) { UserName = string.Empty, Password = string.Empty, Query = url.Query.Length > 0 ? Hidden : string.Empty }.Uri.AbsoluteUri;

    private static Dictionary<string, string> Names(IReadOnlyDictionary<string, string> values) =>
        values.Keys.Order(StringComparer.Ordinal).ToDictionary(k => k, _ => Hidden, StringComparer.Ordinal);
}
