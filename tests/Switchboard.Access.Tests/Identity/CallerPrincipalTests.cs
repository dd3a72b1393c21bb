using System.Security.Claims;
using Switchboard.Access.Identity;
using Switchboard.Policy;

namespace Switchboard.Access.Tests.Identity;

/// <summary>The access principal built once at authentication, and read from the claims again once they change.</summary>
public sealed class CallerPrincipalTests
{
    private static readonly AccessPrincipal Agent = new("key:agent", new RoleSet([BuiltInRoles.Agent]));

    [Fact]
    public void ToAccessPrincipal_OfAnUnchangedCaller_IsTheOneBuiltAtAuthentication()
    {
        var user = Caller();

        Assert.Same(Agent, user.ToAccessPrincipal());
        Assert.Same(Agent, user.ToAccessPrincipal());
    }

    [Fact]
    public void ToAccessPrincipal_AfterAClaimIsAdded_ReadsTheClaims()
    {
        var user = Caller();
        ((ClaimsIdentity)user.Identity!).AddClaim(new Claim(SwitchboardClaims.Role, BuiltInRoles.Viewer));

        var access = user.ToAccessPrincipal();

        Assert.Equal("key:agent", access.Id);
        Assert.Equal([BuiltInRoles.Agent, BuiltInRoles.Viewer], access.Roles.Roles);
    }

    [Fact]
    public void ToAccessPrincipal_AfterAClaimIsRemoved_ReadsTheClaims()
    {
        var user = Caller();
        var identity = (ClaimsIdentity)user.Identity!;
        identity.RemoveClaim(identity.FindFirst(SwitchboardClaims.Role));

        Assert.Empty(user.ToAccessPrincipal().Roles.Roles);
    }

    [Fact]
    public void ToAccessPrincipal_AfterAnIdentityIsAdded_ReadsTheClaims()
    {
        var user = Caller();
        user.AddIdentity(new ClaimsIdentity([new Claim(SwitchboardClaims.Role, BuiltInRoles.Admin)], "other"));

        Assert.Equal([BuiltInRoles.Admin, BuiltInRoles.Agent], user.ToAccessPrincipal().Roles.Roles);
    }

    [Fact]
    public void SharedCaller_RefusesEveryChange_AndKeepsItsAccess()
    {
        var user = CallerPrincipal.Shared([new Claim(SwitchboardClaims.Principal, Agent.Id), new Claim(SwitchboardClaims.Role, BuiltInRoles.Agent)], "test", Agent);
        var identity = (ClaimsIdentity)user.Identity!;
        var role = identity.FindFirst(SwitchboardClaims.Role);

        Assert.Throws<InvalidOperationException>(() => identity.AddClaim(new Claim(SwitchboardClaims.Role, BuiltInRoles.Admin)));
        Assert.Throws<InvalidOperationException>(() => identity.AddClaims([new Claim(SwitchboardClaims.Role, BuiltInRoles.Admin)]));
        Assert.Throws<InvalidOperationException>(() => identity.RemoveClaim(role));
        Assert.Throws<InvalidOperationException>(() => identity.TryRemoveClaim(role));
        Assert.Throws<InvalidOperationException>(() => user.AddIdentity(new ClaimsIdentity([new Claim(SwitchboardClaims.Role, BuiltInRoles.Admin)], "other")));
        Assert.Throws<InvalidOperationException>(() => user.AddIdentities([new ClaimsIdentity([new Claim(SwitchboardClaims.Role, BuiltInRoles.Admin)], "other")]));

        Assert.Same(Agent, user.ToAccessPrincipal());
        Assert.Equal([BuiltInRoles.Agent], user.FindAll(SwitchboardClaims.Role).Select(c => c.Value));
        Assert.Single(user.Identities);
    }

    private static CallerPrincipal Caller() =>
        new([new Claim(SwitchboardClaims.Principal, Agent.Id), new Claim(SwitchboardClaims.Role, BuiltInRoles.Agent)], "test", Agent);
}
