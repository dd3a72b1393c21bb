using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using ModelContextProtocol.AspNetCore.Authentication;
using ModelContextProtocol.Authentication;
using Switchboard.Access;
using Switchboard.Access.Authorization;
using Switchboard.Access.Identity;

namespace Switchboard.Gateway.Identity;

/// <summary>
/// Authentication for every gateway endpoint but health: API keys, JWT access tokens from configured OpenID Connect
/// issuers, and the MCP authorization handshake (RFC 9728 protected resource metadata, <c>WWW-Authenticate</c> on 401).
/// </summary>
public static class SwitchboardIdentityExtensions
{
    /// <summary>
    /// A scheme that forwards each request to the scheme its credential belongs to. The default scheme does the same
    /// (the API-key scheme, which keeps API keys for itself); this name stays for anything that names it.
    /// </summary>
    public const string Scheme = "switchboard";

    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>Adds authentication and authorization. Issuers are read from <paramref name="configuration"/> once, at start.</summary>
    public static IServiceCollection AddSwitchboardIdentity(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(IdentityOptions.SectionName);
        services.AddOptions<IdentityOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IdentityOptions>, IdentityOptionsValidator>());

        var identity = new IdentityOptions();
        section.Bind(identity);

        var authentication = services.AddAuthentication(o =>
        {
            // The API-key scheme does the selecting itself (ForwardDefaultSelector below), so the common request, an
            // API key, is judged by the first handler instead of a policy scheme's handler forwarding to it: one
            // handler and one pass through the authentication service per request fewer (issue 18's profile).
            o.DefaultScheme = ApiKeyAuthenticationHandler.SchemeName;
            o.DefaultChallengeScheme = McpAuthenticationDefaults.AuthenticationScheme;
        });
        authentication.AddPolicyScheme(Scheme, "Switchboard", o => Route(o, identity));
        authentication.AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, "API key", o => Route(o, identity));
        authentication.AddScheme<AuthenticationSchemeOptions, ServiceTokenAuthenticationHandler>(ServiceTokenAuthenticationHandler.SchemeName, "Service token", _ => { });
        for (int i = 0; i < identity.JwtIssuers.Count; i++)
        {
            var issuer = identity.JwtIssuers[i];
            authentication.AddJwtBearer(JwtScheme(i), o => ConfigureJwt(o, issuer));
        }

        authentication.AddMcp(o =>
        {
            // The MCP handler only challenges and serves the metadata; it must not hand authentication back to a
            // "Bearer" scheme, which here is ours and would send the request round in a circle.
            o.ForwardAuthenticate = null;
            o.ResourceMetadata = new ProtectedResourceMetadata
            {
                ResourceName = "Switchboard MCP gateway",
                AuthorizationServers = [.. identity.JwtIssuers.Select(i => i.Issuer)],
                BearerMethodsSupported = ["header"],
            };
        });
        services.AddAuthorization();
        services.AddSwitchboardAccess(configuration).WithBootstrapAdministrator();
        return services;
    }

    /// <summary>Lets only callers the default scheme authenticates reach <paramref name="endpoints"/>.</summary>
    /// <remarks>
    /// The policy names no scheme: the default, which the authentication middleware has
    /// already run for the request. Naming it again made the authorization middleware authenticate every request a
    /// second time (issue 18's profile). A refusal is still the default challenge, the MCP one.
    /// </remarks>
    public static TBuilder RequireSwitchboardAuthentication<TBuilder>(this TBuilder endpoints)
        where TBuilder : IEndpointConventionBuilder =>
        endpoints.RequireAuthorization(p => p.RequireAuthenticatedUser());

    private static string JwtScheme(int index) => $"jwt-{index}";

    // A scheme that sends each request on to the scheme its credential belongs to; the API-key scheme, selected for
    // an API key, handles it itself (a handler forwards only to another scheme than its own).
    private static void Route(AuthenticationSchemeOptions options, IdentityOptions identity)
    {
        options.ForwardDefaultSelector = context => SelectScheme(context, identity);
        // Whatever refused the caller, the answer is the MCP authorization challenge (WWW-Authenticate with
        // resource_metadata), not the JWT handler's own.
        options.ForwardChallenge = McpAuthenticationDefaults.AuthenticationScheme;
    }

    // A credential goes to the scheme that can judge it, so one endpoint accepts every kind; an unrecognised one
    // goes to the MCP scheme, which authenticates nobody and answers the challenge.
    private static string SelectScheme(HttpContext context, IdentityOptions identity)
    {
        if (ApiKeyAuthenticationHandler.TryGetPresentedKey(context.Request, out _))
        {
            return ApiKeyAuthenticationHandler.SchemeName;
        }

        string? authorization = context.Request.Headers.Authorization;
        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return McpAuthenticationDefaults.AuthenticationScheme;
        }

        string token = authorization["Bearer ".Length..].Trim();
        string? issuer = UnverifiedIssuer(token);
        if (issuer == ServiceTokenService.Issuer)
        {
            return ServiceTokenAuthenticationHandler.SchemeName;
        }

        int index = identity.JwtIssuers.FindIndex(i => string.Equals(i.Issuer, issuer, StringComparison.Ordinal));
        return index >= 0 ? JwtScheme(index) : McpAuthenticationDefaults.AuthenticationScheme;
    }

    // Only routes the token to the issuer's scheme, which then verifies everything, the issuer included.
    private static string? UnverifiedIssuer(string token)
    {
        var reader = new JsonWebTokenHandler();
        try
        {
            return reader.CanReadToken(token) ? reader.ReadJsonWebToken(token).Issuer : null;
        }
        catch (ArgumentException)
        {
            return null; // three dot-separated parts that are not base64url JSON
        }
    }

    private static void ConfigureJwt(JwtBearerOptions options, JwtIssuerOptions issuer)
    {
        options.Authority = issuer.Issuer;
        options.Audience = issuer.Audience;
        options.RequireHttpsMetadata = issuer.RequireHttpsMetadata;
        options.MapInboundClaims = false;
        // Our own configuration manager, to turn off "last known good" validation: with it, a key the issuer has
        // withdrawn from its JWKS keeps validating tokens for up to an hour after the refresh that dropped it.
        options.ConfigurationManager = new ConfigurationManager<OpenIdConnectConfiguration>(
            $"{issuer.Issuer.TrimEnd('/')}/.well-known/openid-configuration",
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever { RequireHttps = issuer.RequireHttpsMetadata })
        {
            RefreshInterval = issuer.KeyRefreshInterval,
            UseLastKnownGoodConfiguration = false,
        };
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = issuer.Issuer,
            ValidAudience = issuer.Audience,
            // Asymmetric algorithms only: refuses alg=none and the HS256-with-the-public-key confusion.
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = ClockSkew,
        };
        options.Events = new JwtBearerEvents
        {
            OnTokenValidated = context =>
            {
                // The signature and lifetime are valid; a claim this code relies on that is missing or of the wrong
                // type is still the token's defect: 401 with the challenge, never a 500 and never a shared "unknown".
                var token = (ClaimsIdentity)context.Principal!.Identity!;
                string? subject = !token.HasClaim(c => c.Type == "sub")
                    ? JwtClaims.SingleString(token, "client_id") // client-credentials tokens of some issuers
                    : context.SecurityToken is JsonWebToken jwt ? JwtClaims.Subject(jwt) : null;
                if (subject is null)
                {
                    context.Fail("token without a subject: 'sub' (or, without it, 'client_id') must be one non-empty string");
                    return Task.CompletedTask;
                }

                var values = token.FindAll(issuer.RoleClaim).ToList();
                if (!values.All(JwtClaims.IsString))
                {
                    context.Fail($"the '{issuer.RoleClaim}' claim must hold role names (strings)");
                    return Task.CompletedTask;
                }

                var services = context.HttpContext.RequestServices;
                var roles = JwtClaims.KnownRoles(
                    services.GetRequiredService<AccessPolicyProvider>().Current,
                    MapRoles(issuer, values.Select(c => c.Value)),
                    services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SwitchboardIdentityExtensions)),
                    issuer.Issuer);
                var claims = new List<Claim> { new(SwitchboardClaims.Principal, $"jwt:{issuer.Issuer}#{subject}") };
                claims.AddRange(roles.Select(r => new Claim(SwitchboardClaims.Role, r)));
                context.Principal.AddIdentity(new ClaimsIdentity(claims, "switchboard-jwt", SwitchboardClaims.Principal, SwitchboardClaims.Role));
                return Task.CompletedTask;
            },
        };
    }

    private static IEnumerable<string> MapRoles(JwtIssuerOptions issuer, IEnumerable<string> values) =>
        issuer.RoleMappings.Count == 0
            ? values
            : values.Select(v => issuer.RoleMappings.GetValueOrDefault(v)).OfType<string>();
}
