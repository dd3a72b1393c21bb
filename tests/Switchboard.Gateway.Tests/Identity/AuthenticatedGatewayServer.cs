using System.Security.Claims;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Identity;

/// <summary>The gateway trusting a live OIDC issuer on loopback, with a custom role and a tight rate limit to test against.</summary>
public class AuthenticatedGatewayServer : GatewayServer
{
    public const string Audience = "switchboard-tests";

    public FakeOidcIssuer Issuer { get; private set; } = null!;

    protected override string[] ExtraArguments =>
    [
        $"--Identity:JwtIssuers:0:Issuer={Issuer.Issuer}",
        $"--Identity:JwtIssuers:0:Audience={Audience}",
        "--Identity:JwtIssuers:0:RequireHttpsMetadata=false",
        "--Identity:JwtIssuers:0:KeyRefreshInterval=00:00:01",
        "--Policy:Roles:reader:0=tools:call everything/test_simple_*",
        "--Policy:Roles:reader:1=prompts:get everything/test_simple_prompt",
        "--Policy:Roles:limited:0=tools:call everything/*",
        "--RateLimits:Roles:limited:PerPrincipalTool:Permits=2",
        "--RateLimits:Roles:limited:PerPrincipalTool:Burst=2",
        "--RateLimits:Roles:limited:PerPrincipalTool:Period=01:00:00",
        // The attack matrix fails authentication dozens of times from 127.0.0.1 on purpose; each must stay a 401.
        "--Identity:FailedAuthenticationLimit:Permits=1000",
        "--Identity:FailedAuthenticationLimit:Burst=1000",
    ];

    public override async ValueTask InitializeAsync()
    {
        Issuer = await FakeOidcIssuer.StartAsync(TestContext.Current.CancellationToken);
        await base.InitializeAsync();
    }

    /// <summary>A valid token for a caller named <paramref name="subject"/> holding <paramref name="roles"/>.</summary>
    public string TokenFor(string subject, params string[] roles) =>
        Issuer.CreateToken(Audience, [new Claim("sub", subject), .. roles.Select(r => new Claim("roles", r))]);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Issuer.DisposeAsync();
    }
}
