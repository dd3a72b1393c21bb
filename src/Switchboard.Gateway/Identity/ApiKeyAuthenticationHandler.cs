using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Switchboard.Gateway.Diagnostics;
using Switchboard.Text;
using Switchboard.Access.Identity;

namespace Switchboard.Gateway.Identity;

/// <summary>Authenticates <c>Authorization: Bearer sbk_…</c> (or <c>X-API-Key: sbk_…</c>) against the stored keys.</summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApiKeyService keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = ApiKeyService.AuthenticationType;
    public const string HeaderName = "X-API-Key";

    /// <summary>The key a request presents, if it presents one.</summary>
    public static string? PresentedKey(HttpRequest request)
    {
        string? header = request.Headers[HeaderName];
        if (ApiKeyFormat.LooksLikeKey(header))
        {
            return header;
        }

        string? authorization = request.Headers.Authorization;
        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        // Cut once: this runs twice per request (scheme selection, then the handler).
        string token = authorization["Bearer ".Length..].Trim();
        return ApiKeyFormat.LooksLikeKey(token) ? token : null;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (PresentedKey(Request) is not { } key)
        {
            return AuthenticateResult.NoResult();
        }

        var (caller, failure) = await keys.AuthenticateAsync(key, Context.RequestAborted);
        if (caller is null)
        {
            Log.ApiKeyRefused(Logger, failure!);
            return AuthenticateResult.Fail(failure!);
        }

        if (Logger.IsEnabled(LogLevel.Debug))
        {
            Log.ApiKeyAuthenticated(Logger, PrintableText.Escape(caller.Principal)!, caller.Prefix);
        }

        // One principal per verified key, not one per request: nothing on the request path changes it (it would throw).
        return AuthenticateResult.Success(new AuthenticationTicket(caller.User, SchemeName));
    }
}
