using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Switchboard.Naming;

namespace Switchboard.Upstreams;

/// <summary>Every remote server in section <c>Servers</c>: those with a <c>Url</c> or a <c>Command</c>.</summary>
public sealed class UpstreamsOptions
{
    /// <summary>The configuration section shared with built-in servers.</summary>
    public const string SectionName = "Servers";

    /// <summary>Remote servers keyed by server name, in configuration order.</summary>
    public Dictionary<string, UpstreamOptions> Servers { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="server"/> (a <c>Servers:{name}</c> section) describes a remote server.</summary>
    public static bool IsRemote(IConfigurationSection server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return server["Url"] is not null || server["Command"] is not null;
    }

    /// <summary>
    /// The remote servers that are mounted: a remote server is, unless its <c>Enabled</c> is <c>false</c>. A remote
    /// server may carry the name of a built-in one, and then replaces it.
    /// </summary>
    public static IEnumerable<string> MountedNames(IConfigurationSection servers)
    {
        ArgumentNullException.ThrowIfNull(servers);
        return servers.GetChildren()
            .Where(s => IsRemote(s) && !string.Equals(s["Enabled"], "false", StringComparison.OrdinalIgnoreCase))
            .Select(s => s.Key);
    }

    internal static void Bind(UpstreamsOptions options, IConfigurationSection servers)
    {
        foreach (string name in MountedNames(servers))
        {
            var upstream = new UpstreamOptions();
            servers.GetSection(name).Bind(upstream);
            options.Servers[name] = upstream;
        }
    }
}

/// <summary>Checks every remote server's settings, and says which key to fix.</summary>
public sealed class UpstreamsOptionsValidator : IValidateOptions<UpstreamsOptions>
{
    private static readonly TimeSpan MinimumTimeout = TimeSpan.FromMilliseconds(10);

    // The revisions Servers:{name}:ProtocolVersion may pin an HTTP upstream to (the SDK client's).
    private static readonly string[] PinnableRevisions = ["2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"];
    private static readonly TimeSpan MinimumWindow = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaximumTimeout = TimeSpan.FromDays(1);
    private static readonly TimeSpan MinimumListTtl = TimeSpan.FromSeconds(1);

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, UpstreamsOptions options)
    {
        var failures = new List<string>();
        foreach (var (server, upstream) in options.Servers)
        {
            string key = $"{UpstreamsOptions.SectionName}:{server}";
            if (!McpNames.IsValidServerName(server))
            {
                failures.Add($"{key} is not a valid server name: use lower-case letters, digits and single hyphens, at most {McpNames.MaxServerNameLength} characters.");
            }

            failures.AddRange(Problems(key, upstream));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>What is wrong with <paramref name="upstream"/>, each message starting with <paramref name="key"/> (where it was set).</summary>
    public static List<string> Problems(string key, UpstreamOptions upstream)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        var failures = new List<string>();
        if (upstream.Url is not null && upstream.Command is not null)
        {
            failures.Add($"{key} sets both Url and Command: a remote server is reached over HTTP or over stdio, not both.");
        }
        else if (upstream.Url is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"{key}:Url must be an absolute http:// or https:// URL.");
        }
        else if (upstream.Url is null && string.IsNullOrWhiteSpace(upstream.Command))
        {
            failures.Add($"{key}:Command is empty: name the executable that serves MCP over stdio.");
        }

        if (upstream.Url is null && upstream.Headers.Count > 0)
        {
            failures.Add($"{key}:Headers apply to an HTTP upstream only; a stdio upstream takes its credentials from Env.");
        }

        if (upstream.Timeout < MinimumTimeout || upstream.Timeout > MaximumTimeout)
        {
            failures.Add($"{key}:Timeout is {upstream.Timeout}; set it between {MinimumTimeout} and {MaximumTimeout}.");
        }

        if (upstream.PendingCallTimeout < TimeSpan.FromSeconds(1) || upstream.PendingCallTimeout > Switchboard.Mrtr.RequestStateProtector.Lifetime)
        {
            failures.Add($"{key}:PendingCallTimeout is {upstream.PendingCallTimeout}; set it between 00:00:01 and {Switchboard.Mrtr.RequestStateProtector.Lifetime} (how long a sealed requestState is valid).");
        }

        if (upstream.ProtocolVersion is { } pinned && !PinnableRevisions.Contains(pinned))
        {
            failures.Add($"{key}:ProtocolVersion is '{pinned}'; set one of {string.Join(", ", PinnableRevisions)}, or leave it unset.");
        }

        if (upstream.ReconnectInterval < MinimumWindow)
        {
            failures.Add($"{key}:ReconnectInterval is {upstream.ReconnectInterval}; set it to {MinimumWindow} or more.");
        }

        failures.AddRange(upstream.Stdio.Problems($"{key}:Stdio"));

        if (upstream.ListTtl < MinimumListTtl)
        {
            failures.Add($"{key}:ListTtl is {upstream.ListTtl}; set it to {MinimumListTtl} or more.");
        }

        if (upstream.Url is null && upstream.HttpTransport != UpstreamHttpTransport.StreamableHttp)
        {
            failures.Add($"{key}:HttpTransport applies to an HTTP upstream (Url) only.");
        }

        failures.AddRange(ToolSettingsProblems(key, upstream.Tools));

        var breaker = upstream.CircuitBreaker;
        if (breaker.FailureRatio is <= 0 or > 1)
        {
            failures.Add($"{key}:CircuitBreaker:FailureRatio is {breaker.FailureRatio}; set it above 0 and at most 1.");
        }

        if (breaker.MinimumThroughput < 2)
        {
            failures.Add($"{key}:CircuitBreaker:MinimumThroughput is {breaker.MinimumThroughput}; set it to 2 or more.");
        }

        if (breaker.SamplingDuration < MinimumWindow || breaker.BreakDuration < MinimumWindow)
        {
            failures.Add($"{key}:CircuitBreaker:SamplingDuration and BreakDuration must each be {MinimumWindow} or more.");
        }

        failures.AddRange(Resilience.ResilienceSettingsValidator.Problems(key, upstream));
        failures.AddRange(Http.ClientCredentialsSettings.Problems(key, upstream));
        failures.AddRange(Discovery.DiscoverySettings.Problems(key, upstream));

        return failures;
    }

    private static IEnumerable<string> ToolSettingsProblems(string key, ToolSettings tools)
    {
        foreach (var (tool, exposed) in tools.Rename)
        {
            if (!McpNames.IsValidExposedName(exposed))
            {
                yield return $"{key}:Tools:Rename:{tool} is '{exposed}'; an exposed tool name must match ^[a-zA-Z0-9_-]{{1,{McpNames.MaxExposedNameLength}}}$.";
            }

            if (tools.Hide.Contains(tool))
            {
                yield return $"{key}:Tools: '{tool}' is both renamed and hidden; choose one.";
            }
        }

        foreach (var duplicate in tools.Rename.GroupBy(r => r.Value, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            yield return $"{key}:Tools:Rename gives '{duplicate.Key}' to several tools ({string.Join(", ", duplicate.Select(r => r.Key))}).";
        }
    }
}
