using System.Security.Claims;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Switchboard.Access.Authorization;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;

namespace Switchboard.Access.Identity;

/// <summary>A service token just issued, in the shape of an OAuth 2.0 token response (RFC 6749 §5.1).</summary>
/// <param name="AccessToken">The token.</param>
/// <param name="TokenType">Always <c>Bearer</c>.</param>
/// <param name="ExpiresIn">Seconds until it expires.</param>
/// <param name="Roles">The roles it carries.</param>
public sealed record IssuedServiceToken(
    [property: System.Text.Json.Serialization.JsonPropertyName("access_token")] string AccessToken,
    [property: System.Text.Json.Serialization.JsonPropertyName("token_type")] string TokenType,
    [property: System.Text.Json.Serialization.JsonPropertyName("expires_in")] int ExpiresIn,
    [property: System.Text.Json.Serialization.JsonPropertyName("roles")] IReadOnlyList<string> Roles);

/// <summary>
/// Switchboard's own short-lived tokens: an API key holder exchanges its long-lived key for a JWT (HS256, signed with
/// a secret every replica reads from the database) carrying some or all of its roles, to hand to a worker or an agent.
/// A token is checked without the database on the hot path, and stops working when it expires or when the key that
/// issued it is revoked.
/// </summary>
public sealed class ServiceTokenService(
    SigningKeyRing signingKeys,
    IApiKeyStore apiKeys,
    AccessPolicyProvider policies,
    IOptions<IdentityOptions> options,
    ILogger<ServiceTokenService> logger,
    TimeProvider time)
{
    /// <summary>The <c>iss</c> and <c>aud</c> of every service token; the gateway routes tokens with this issuer here.</summary>
    public const string Issuer = "urn:switchboard";

    /// <summary>The authentication type of the identities <see cref="ValidateAsync"/> makes; the gateway's scheme has this name.</summary>
    public const string AuthenticationType = "service-token";

    private const string ClaimKeyPrefix = "kp";
    private const string ClaimRoles = "roles";
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    /// <summary>
    /// Issues a token for <paramref name="principal"/>, authenticated by the key <paramref name="keyPrefix"/> with
    /// <paramref name="keyRoles"/>, carrying <paramref name="roles"/> (all of the key's when empty).
    /// </summary>
    /// <exception cref="ArgumentException">A role the key does not hold, or a lifetime out of range.</exception>
    public async Task<IssuedServiceToken> IssueAsync(string principal, string keyPrefix, IReadOnlyList<string> keyRoles, IReadOnlyList<string> roles, TimeSpan? lifetime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keyRoles);
        var settings = options.Value.ServiceTokens;
        var ttl = lifetime ?? settings.DefaultLifetime;
        if (ttl < TimeSpan.FromMinutes(1) || ttl > settings.MaxLifetime)
        {
            throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"A service token lives between 60 and {settings.MaxLifetime.TotalSeconds:0} seconds (Identity:ServiceTokens:MaxLifetime)."));
        }

        if (roles.FirstOrDefault(r => !keyRoles.Contains(r, StringComparer.Ordinal)) is { } missing)
        {
            throw new ArgumentException($"The role '{missing}' is not one of the key's ({string.Join(", ", keyRoles)}); a token can only narrow a key's roles.");
        }

        IReadOnlyList<string> granted = roles.Count > 0 ? [.. roles.Distinct(StringComparer.Ordinal)] : keyRoles;
        var key = await signingKeys.CurrentAsync(cancellationToken);
        var now = time.GetUtcNow();
        string token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Issuer,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + ttl).UtcDateTime,
            SigningCredentials = new SigningCredentials(SecurityKey(key), SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = principal,
                ["jti"] = Guid.NewGuid().ToString("N"),
                [ClaimKeyPrefix] = keyPrefix,
                [ClaimRoles] = granted.ToArray(),
            },
        });
        return new IssuedServiceToken(token, "Bearer", (int)ttl.TotalSeconds, granted);
    }

    /// <summary>
    /// The caller a token speaks for and until when (the token's own expiry), or why it speaks for no one. Every defect
    /// is a failure with a reason, never an exception: a bad signature, algorithm, issuer, audience or lifetime, and
    /// claims missing or of the wrong type.
    /// </summary>
    public async Task<(ClaimsIdentity? Identity, DateTimeOffset Expires, string? Failure)> ValidateAsync(string token, CancellationToken cancellationToken = default)
    {
        var result = await _handler.ValidateTokenAsync(token, Parameters(await signingKeys.KeysAsync(cancellationToken)));
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException && await signingKeys.ReloadAsync(cancellationToken) is { } reloaded)
        {
            // A key another replica created since this one cached the list.
            result = await _handler.ValidateTokenAsync(token, Parameters(reloaded));
        }

        if (!result.IsValid)
        {
            return (null, default, $"invalid service token: {result.Exception?.GetType().Name ?? "rejected"}");
        }

        // A valid signature only says we signed it; the claims are still checked for what this code relies on.
        var claims = result.ClaimsIdentity;
        if (result.SecurityToken is not JsonWebToken jwt || JwtClaims.Subject(jwt) is not { } subject)
        {
            return (null, default, "service token without a subject: 'sub' must be one non-empty string");
        }

        if (JwtClaims.SingleString(claims, ClaimKeyPrefix) is not { } prefix)
        {
            return (null, default, $"service token without its key: '{ClaimKeyPrefix}' must be one non-empty string");
        }

        var roles = claims.FindAll(ClaimRoles).ToList();
        if (roles.Count == 0 || !roles.All(JwtClaims.IsString))
        {
            return (null, default, $"service token without roles: '{ClaimRoles}' must be a list of role names");
        }

        var key = await apiKeys.FindByPrefixAsync(prefix, cancellationToken);
        if (key is null || key.RevokedAt is not null || key.ExpiresAt <= time.GetUtcNow())
        {
            return (null, default, "the API key that issued this service token is revoked or expired");
        }

        return (new ClaimsIdentity(
            [
                new Claim(SwitchboardClaims.Principal, subject),
                new Claim(ClaimTypes.NameIdentifier, subject),
                new Claim(SwitchboardClaims.ApiKey, prefix),
                new Claim(SwitchboardClaims.ServiceToken, JwtClaims.SingleString(claims, "jti") ?? string.Empty),
                .. JwtClaims.KnownRoles(policies.Current, roles.Select(r => r.Value), logger, Issuer).Select(r => new Claim(SwitchboardClaims.Role, r)),
            ],
            AuthenticationType,
            SwitchboardClaims.Principal,
            SwitchboardClaims.Role), new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero), null);
    }

    private static TokenValidationParameters Parameters(IReadOnlyList<SigningKey> keys) => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = Issuer,
        IssuerSigningKeys = keys.Select(SecurityKey),
        // Only our own algorithm: a token claiming RS256 or "none" with our issuer is refused.
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ValidateLifetime = true,
        ClockSkew = ClockSkew,
    };

    private static SymmetricSecurityKey SecurityKey(SigningKey key) => new(Convert.FromBase64String(key.Secret)) { KeyId = key.Id };
}
