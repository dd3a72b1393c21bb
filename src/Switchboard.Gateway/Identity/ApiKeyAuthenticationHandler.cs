using System.Collections.ObjectModel;
using System.Runtime.CompilerServices;
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

    // One result per verified key, like its principal: ApiKeyService hands out the same caller until the key or its
    // holder changes, and a new caller gets a new result. Its properties refuse changes, as the principal does, so
    // sharing it cannot leak one request's state into another's; nothing on the request path writes to them.
    private static readonly ConditionalWeakTable<ApiKeyCaller, AuthenticateResult> Results = [];

    /// <summary>The key a request presents, if it presents one.</summary>
    public static string? PresentedKey(HttpRequest request) => TryGetPresentedKey(request, out var key) ? key.ToString() : null;

    /// <summary>Whether a request presents a key, and where it lies in its header, without copying it.</summary>
    public static bool TryGetPresentedKey(HttpRequest request, out ReadOnlyMemory<char> key)
    {
        string? header = request.Headers[HeaderName];
        if (ApiKeyFormat.LooksLikeKey(header))
        {
            key = header.AsMemory();
            return true;
        }

        string? authorization = request.Headers.Authorization;
        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            key = default;
            return false;
        }

        // Not cut out of the header: this runs twice per request (scheme selection, then the handler).
        key = authorization.AsMemory("Bearer ".Length).Trim();
        return key.Span.StartsWith(ApiKeyFormat.Marker, StringComparison.Ordinal);
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!TryGetPresentedKey(Request, out var key))
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
        return Results.GetValue(caller, static c => AuthenticateResult.Success(new AuthenticationTicket(
            c.User,
            new AuthenticationProperties(ReadOnlyDictionary<string, string?>.Empty, ReadOnlyDictionary<string, object?>.Empty),
            SchemeName)));
    }
}
