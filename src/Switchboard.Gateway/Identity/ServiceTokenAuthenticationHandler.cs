using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Switchboard.Access.Identity;

namespace Switchboard.Gateway.Identity;

/// <summary>Authenticates <c>Authorization: Bearer</c> with a Switchboard service token (issuer <c>urn:switchboard</c>).</summary>
internal sealed class ServiceTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ServiceTokenService tokens) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = ServiceTokenService.AuthenticationType;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? authorization = Request.Headers.Authorization;
        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var (identity, failure) = await tokens.ValidateAsync(authorization["Bearer ".Length..].Trim(), Context.RequestAborted);
        return identity is null
            ? AuthenticateResult.Fail(failure!)
            : AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
