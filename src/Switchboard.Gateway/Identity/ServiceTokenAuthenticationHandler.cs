using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Switchboard.Access.Identity;
using Switchboard.Gateway.Diagnostics;
using Switchboard.Text;

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

        var (identity, expires, failure) = await tokens.ValidateAsync(authorization["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (identity is null)
        {
            Log.ServiceTokenRefused(Logger, failure!);
            return AuthenticateResult.Fail(failure!);
        }

        var user = new ClaimsPrincipal(identity);
        if (Logger.IsEnabled(LogLevel.Debug))
        {
            Log.ServiceTokenAuthenticated(Logger, PrintableText.Escape(user.PrincipalId()));
        }

        // As JwtBearer does for an OIDC token: what outlives this request (a session's event stream) ends with the token.
        return AuthenticateResult.Success(new AuthenticationTicket(user, new AuthenticationProperties { ExpiresUtc = expires }, SchemeName));
    }
}
