using Microsoft.Extensions.Options;

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
        var unknown = options.Servers.Keys.Where(k => !known.Contains(k)).ToArray();
        return unknown.Length == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"Servers:{string.Join(", Servers:", unknown)} names no server this build has. Known servers: {string.Join(", ", known.Order(StringComparer.Ordinal))}; a remote server needs a Url or a Command.");
    }
}
