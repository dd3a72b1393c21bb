using System.Security.Claims;

namespace Switchboard.Access.Identity;

/// <summary>
/// An authenticated caller's claims that also carry the <see cref="AccessPrincipal"/> they amount to, built once
/// where the caller was authenticated (and cached with it), so the access path does not rebuild the sorted role set
/// from the claims on every check of every request (issue 18's profile: three to four times per tool call). Should
/// anything add or remove a claim or an identity later, <see cref="SwitchboardClaims.ToAccessPrincipal"/> reads the
/// claims again. A <see cref="Shared"/> principal refuses such changes instead.
/// </summary>
public sealed class CallerPrincipal : ClaimsPrincipal
{
    private readonly CallerIdentity _identity;
    private readonly bool _shared;
    private bool _identitiesChanged;

    /// <summary>A principal of one identity made of <paramref name="claims"/>, which amount to <paramref name="access"/>.</summary>
    public CallerPrincipal(IEnumerable<Claim> claims, string authenticationType, AccessPrincipal access)
        : this(new CallerIdentity(claims, authenticationType, shared: false), access, shared: false)
    {
    }

    private CallerPrincipal(CallerIdentity identity, AccessPrincipal access, bool shared)
        : base(identity)
    {
        _identity = identity;
        _shared = shared;
        Access = access;
    }

    /// <summary>The caller as the access path sees it.</summary>
    public AccessPrincipal Access { get; }

    /// <summary>Whether the claims are still the ones <see cref="Access"/> was built from.</summary>
    internal bool Unchanged => !_identitiesChanged && !_identity.Changed;

    /// <summary>
    /// A principal that every request of one credential shares (built once per verified credential, issue 18): adding
    /// or removing an identity or a claim throws <see cref="InvalidOperationException"/>, because the change would
    /// reach every other request of that credential. Whoever needs a changed principal makes a new one.
    /// </summary>
    public static CallerPrincipal Shared(IEnumerable<Claim> claims, string authenticationType, AccessPrincipal access) =>
        new(new CallerIdentity(claims, authenticationType, shared: true), access, shared: true);

    /// <inheritdoc />
    public override void AddIdentity(ClaimsIdentity identity)
    {
        Change();
        base.AddIdentity(identity);
    }

    /// <inheritdoc />
    public override void AddIdentities(IEnumerable<ClaimsIdentity> identities)
    {
        Change();
        base.AddIdentities(identities);
    }

    private void Change()
    {
        CallerIdentity.RefuseIfShared(_shared);
        _identitiesChanged = true;
    }

    private sealed class CallerIdentity(IEnumerable<Claim> claims, string authenticationType, bool shared)
        : ClaimsIdentity(claims, authenticationType, SwitchboardClaims.Principal, SwitchboardClaims.Role)
    {
        public bool Changed { get; private set; }

        public static void RefuseIfShared(bool shared)
        {
            if (shared)
            {
                throw new InvalidOperationException("This caller principal is shared by every request of its credential and cannot be changed; build a new ClaimsPrincipal instead.");
            }
        }

        public override void AddClaim(Claim claim)
        {
            Change();
            base.AddClaim(claim);
        }

        public override void AddClaims(IEnumerable<Claim?> claims)
        {
            Change();
            base.AddClaims(claims);
        }

        public override void RemoveClaim(Claim? claim)
        {
            Change();
            base.RemoveClaim(claim);
        }

        public override bool TryRemoveClaim(Claim? claim)
        {
            Change();
            return base.TryRemoveClaim(claim);
        }

        private void Change()
        {
            RefuseIfShared(shared);
            Changed = true;
        }
    }
}
