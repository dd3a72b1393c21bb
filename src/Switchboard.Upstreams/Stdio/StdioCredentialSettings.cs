namespace Switchboard.Upstreams.Stdio;

/// <summary>
/// One set of caller credentials of a stdio upstream (<c>Servers:{name}:Stdio:Credentials:{set}</c>): the callers it is
/// for, and the environment variables (their API key, their tenant's token) their processes get on top of the server's
/// <see cref="UpstreamOptions.Env"/>. Each set has processes of its own; a process never serves two sets.
/// </summary>
public sealed class StdioCredentialSettings
{
    /// <summary>Principal ids this set is for (<c>key:{id}</c> for an API key, <c>jwt:{issuer}#{sub}</c> for a token).</summary>
    public List<string> Principals { get; set; } = [];

    /// <summary>Switchboard roles this set is for, when no set names the caller's principal id.</summary>
    public List<string> Roles { get; set; } = [];

    /// <summary>Environment variables of this set's processes, over the server's own. Never logged.</summary>
    public Dictionary<string, string> Env { get; set; } = new(StringComparer.Ordinal);

    /// <summary>What is wrong with <paramref name="sets"/>, each message starting with <paramref name="key"/>.</summary>
    internal static IEnumerable<string> Problems(string key, IReadOnlyDictionary<string, StdioCredentialSettings> sets)
    {
        foreach (var (name, set) in sets)
        {
            if (set.Principals.Count == 0 && set.Roles.Count == 0)
            {
                yield return $"{key}:{name} names no Principals and no Roles: say which callers these credentials are for.";
            }

            if (set.Env.Count == 0)
            {
                yield return $"{key}:{name}:Env is empty: give the environment variables that hold these callers' credentials.";
            }

            if (set.Principals.Concat(set.Roles).Any(string.IsNullOrWhiteSpace))
            {
                yield return $"{key}:{name} has an empty principal id or role.";
            }
        }
    }
}
