using Switchboard.Policy;

namespace Switchboard.Access;

/// <summary>Who asks: a principal id and its roles, however it was authenticated (API key, token, or none).</summary>
/// <param name="Id">The principal's stable id, as the audit trail records it (<c>anonymous</c> when unauthenticated).</param>
/// <param name="Roles">Its Switchboard roles.</param>
public sealed record AccessPrincipal(string Id, RoleSet Roles)
{
    /// <summary>
    /// The public prefix of the API key that authenticated the caller, directly or through a service token; null for
    /// a JWT caller or the anonymous one. Work the caller starts that outlives the request (a queued tool call, a
    /// workflow run) records it, and is refused once that key is revoked or expires.
    /// </summary>
    public string? Credential { get; init; }

    /// <summary>The id of a caller no credential identified.</summary>
    public const string AnonymousId = "anonymous";

    /// <summary>A caller with no identity and no roles: every permission is denied to it.</summary>
    public static AccessPrincipal Anonymous { get; } = new(AnonymousId, new RoleSet([]));
}
