using Microsoft.Extensions.Options;
using Switchboard.Naming;

namespace Switchboard.Gateway.Hosting;

/// <summary>Settings for every server, by name. Section <c>Servers</c>.</summary>
public sealed class ServersOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Servers";

    /// <summary>Per-server settings keyed by server name.</summary>
    public Dictionary<string, ServerOptions> Servers { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Refuses settings for a server this host does not have, which is almost always a typo; a section with a <c>Url</c>
/// or a <c>Command</c> (<paramref name="remoteNames"/>) registers a remote server and is never unknown.
/// </summary>
internal sealed class ServersOptionsValidator(IReadOnlyCollection<ServerRegistration> registrations, IReadOnlyCollection<string> remoteNames) : IValidateOptions<ServersOptions>
{
    public ValidateOptionsResult Validate(string? name, ServersOptions options)
    {
        var known = registrations.Select(r => r.Name).Concat(remoteNames).ToHashSet(StringComparer.Ordinal);
        var failures = new List<string>();
        var unknown = options.Servers.Where(s => !known.Contains(s.Key) && s.Value.Compose.Count == 0).Select(s => s.Key).ToArray();
        if (unknown.Length > 0)
        {
            failures.Add($"Servers:{string.Join(", Servers:", unknown)} names no server this build has. Known servers: {string.Join(", ", known.Order(StringComparer.Ordinal))}; a remote server needs a Url or a Command, a virtual one Compose.");
        }

        foreach (var (server, settings) in options.Servers.Where(s => s.Value.Compose.Count > 0))
        {
            if (known.Contains(server))
            {
                failures.Add($"Servers:{server}:Compose makes '{server}' a virtual server, but that name is a built-in or remote server; choose another name.");
            }
            else if (!McpNames.IsValidServerName(server))
            {
                failures.Add($"Servers:{server} is not a valid server name: use lower-case letters, digits and single hyphens, at most {McpNames.MaxServerNameLength} characters.");
            }

            failures.AddRange(settings.Compose
                .Where(tool => tool.Split('/') is not [var owner, var name] || owner.Length == 0 || name.Length == 0 || owner == server)
                .Select(tool => $"Servers:{server}:Compose has '{tool}'; name each tool as server/tool, of a server other than the virtual one."));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
