using Switchboard.Policy;

namespace Switchboard.Access;

/// <summary>Who asks: a principal id and its roles, however it was authenticated (API key, token, or none).</summary>
/// <param name="Id">The principal's stable id, as the audit trail records it (<c>anonymous</c> when unauthenticated).</param>
/// <param name="Roles">Its Switchboard roles.</param>
public sealed record AccessPrincipal(string Id, RoleSet Roles)
{
    /// <summary>The id of a caller no credential identified.</summary>
    public const string AnonymousId = "anonymous";

    /// <summary>A caller with no identity and no roles: every permission is denied to it.</summary>
    public static AccessPrincipal Anonymous { get; } = new(AnonymousId, new RoleSet([]));
}
