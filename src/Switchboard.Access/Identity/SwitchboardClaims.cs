using System.Security.Claims;
using Switchboard.Policy;

namespace Switchboard.Access.Identity;

/// <summary>The claims every authenticated Switchboard caller carries, whatever authenticated it.</summary>
public static class SwitchboardClaims
{
    /// <summary>The caller's stable id: <c>key:{id}</c> for an API key, <c>jwt:{issuer}#{sub}</c> for a token.</summary>
    public const string Principal = "switchboard:principal";

    /// <summary>The public prefix of the API key that authenticated the caller, directly or through a service token.</summary>
    public const string ApiKey = "switchboard:key";

    /// <summary>Present (the token's id) when the caller authenticated with a Switchboard service token.</summary>
    public const string ServiceToken = "switchboard:token";

    /// <summary>A Switchboard role (after any mapping from the issuer's claims).</summary>
    public const string Role = "switchboard:role";

    /// <summary>The principal id of <paramref name="user"/>, or null when unauthenticated.</summary>
    public static string? PrincipalId(this ClaimsPrincipal? user) => user?.FindFirst(Principal)?.Value;

    /// <summary>The Switchboard roles of <paramref name="user"/>.</summary>
    public static RoleSet Roles(this ClaimsPrincipal? user) => new(user?.FindAll(Role).Select(c => c.Value) ?? []);

    /// <summary><paramref name="user"/> as the access path sees it: its principal id (<c>anonymous</c> when none), roles and API key.</summary>
    public static AccessPrincipal ToAccessPrincipal(this ClaimsPrincipal? user) =>
        user is CallerPrincipal { Unchanged: true } caller ? caller.Access
        : user.PrincipalId() is { } id ? new AccessPrincipal(id, user.Roles()) { Credential = user?.FindFirst(ApiKey)?.Value }
        : AccessPrincipal.Anonymous;
}
