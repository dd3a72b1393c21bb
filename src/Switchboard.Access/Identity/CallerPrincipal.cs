using System.Security.Claims;

namespace Switchboard.Access.Identity;

/// <summary>
/// An authenticated caller's claims that also carry the <see cref="AccessPrincipal"/> they amount to, built once
/// where the caller was authenticated (and cached with it), so the access path does not rebuild the sorted role set
/// from the claims on every check of every request (issue 18's profile: three to four times per tool call). Should
/// anything add or remove a claim or an identity later, <see cref="SwitchboardClaims.ToAccessPrincipal"/> reads the
/// claims again.
/// </summary>
public sealed class CallerPrincipal : ClaimsPrincipal
{
    private readonly CallerIdentity _identity;
    private bool _identitiesChanged;

    /// <summary>A principal of one identity made of <paramref name="claims"/>, which amount to <paramref name="access"/>.</summary>
    public CallerPrincipal(IEnumerable<Claim> claims, string authenticationType, AccessPrincipal access)
        : this(new CallerIdentity(claims, authenticationType), access)
    {
    }

    private CallerPrincipal(CallerIdentity identity, AccessPrincipal access)
        : base(identity)
    {
        _identity = identity;
        Access = access;
    }

    /// <summary>The caller as the access path sees it.</summary>
    public AccessPrincipal Access { get; }

    /// <summary>Whether the claims are still the ones <see cref="Access"/> was built from.</summary>
    internal bool Unchanged => !_identitiesChanged && !_identity.Changed;

    /// <inheritdoc />
    public override void AddIdentity(ClaimsIdentity identity)
    {
        _identitiesChanged = true;
        base.AddIdentity(identity);
    }

    /// <inheritdoc />
    public override void AddIdentities(IEnumerable<ClaimsIdentity> identities)
    {
        _identitiesChanged = true;
        base.AddIdentities(identities);
    }

    private sealed class CallerIdentity(IEnumerable<Claim> claims, string authenticationType)
        : ClaimsIdentity(claims, authenticationType, SwitchboardClaims.Principal, SwitchboardClaims.Role)
    {
        public bool Changed { get; private set; }

        public override void AddClaim(Claim claim)
        {
            Changed = true;
            base.AddClaim(claim);
        }

        public override void AddClaims(IEnumerable<Claim?> claims)
        {
            Changed = true;
            base.AddClaims(claims);
        }

        public override void RemoveClaim(Claim? claim)
        {
            Changed = true;
            base.RemoveClaim(claim);
        }

        public override bool TryRemoveClaim(Claim? claim)
        {
            Changed = true;
            return base.TryRemoveClaim(claim);
        }
    }
}
