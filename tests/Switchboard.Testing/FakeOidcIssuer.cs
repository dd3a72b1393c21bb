using System.Security.Cryptography;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Switchboard.Testing;

/// <summary>
/// An OpenID Connect issuer on loopback that speaks the real protocol: a discovery document and a JWKS endpoint,
/// with RSA and EC signing keys that can rotate, and tokens minted for the attack matrix (expired, wrong audience,
/// unknown kid, alg none, HS/RS key confusion, tampered signature). The only fake is that it issues on request.
/// </summary>
public sealed class FakeOidcIssuer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _keysLock = new();
    private List<SecurityKey> _keys = [];

    private FakeOidcIssuer(WebApplication app, string issuer)
    {
        _app = app;
        Issuer = issuer;
        RotateKeys();
    }

    /// <summary>The issuer URL (<c>iss</c>), whose discovery document is at <c>/.well-known/openid-configuration</c>.</summary>
    public string Issuer { get; }

    /// <summary>The current RSA signing key.</summary>
    public RsaSecurityKey RsaKey { get; private set; } = null!;

    /// <summary>The current EC (P-256) signing key.</summary>
    public ECDsaSecurityKey EcKey { get; private set; } = null!;

    /// <summary>Starts the issuer on a free loopback port.</summary>
    public static async Task<FakeOidcIssuer> StartAsync(CancellationToken cancellationToken = default)
    {
        string url = LoopbackPort.NextUrl();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var issuer = new FakeOidcIssuer(app, url);

        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = issuer.Issuer,
            ["jwks_uri"] = $"{issuer.Issuer}/jwks",
            ["id_token_signing_alg_values_supported"] = new[] { "RS256", "ES256" },
        }));
        app.MapGet("/jwks", () => Results.Text(issuer.JwksJson(), "application/json"));
        await app.StartAsync(cancellationToken);
        return issuer;
    }

    /// <summary>Replaces the signing keys with new ones under new key ids; tokens signed with the old ones stop validating.</summary>
    public void RotateKeys()
    {
        lock (_keysLock)
        {
            RsaKey = new RsaSecurityKey(RSA.Create(2048)) { KeyId = $"rsa-{Guid.NewGuid():N}" };
            EcKey = new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = $"ec-{Guid.NewGuid():N}" };
            _keys = [RsaKey, EcKey];
        }
    }

    /// <summary>Mints a token; every argument has a valid default so a test changes only what it attacks.</summary>
    public string CreateToken(
        string audience,
        IEnumerable<Claim>? claims = null,
        string algorithm = SecurityAlgorithms.RsaSha256,
        string? issuer = null,
        DateTime? notBefore = null,
        DateTime? expires = null,
        SecurityKey? key = null)
    {
        var now = DateTime.UtcNow;
        var signingKey = key ?? (algorithm == SecurityAlgorithms.EcdsaSha256 ? EcKey : RsaKey);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            Subject = new ClaimsIdentity(claims ?? [new Claim("sub", "user-1")]),
            IssuedAt = (notBefore ?? now).AddMinutes(-1),
            NotBefore = notBefore ?? now.AddMinutes(-1),
            Expires = expires ?? now.AddMinutes(10),
            SigningCredentials = new SigningCredentials(signingKey, algorithm),
        });
    }

    /// <summary>An unsigned token (<c>alg: none</c>) with otherwise valid claims.</summary>
    public string CreateUnsignedToken(string audience, IEnumerable<Claim>? claims = null)
    {
        string header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        var payload = new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["aud"] = audience,
            ["sub"] = "user-1",
            ["nbf"] = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(),
            ["exp"] = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds(),
        };
        foreach (var claim in claims ?? [])
        {
            payload[claim.Type] = claim.Value;
        }

        return $"{header}.{Base64UrlEncoder.Encode(System.Text.Json.JsonSerializer.Serialize(payload))}.";
    }

    /// <summary>
    /// The HS/RS confusion attack: an HS256 token whose HMAC key is the issuer's public RSA key, which a verifier
    /// that lets the token pick the algorithm would accept.
    /// </summary>
    public string CreateKeyConfusionToken(string audience)
    {
        byte[] publicKey = RsaKey.Rsa.ExportSubjectPublicKeyInfo();
        var hmacKey = new SymmetricSecurityKey(publicKey) { KeyId = RsaKey.KeyId };
        return CreateToken(audience, algorithm: SecurityAlgorithms.HmacSha256, key: hmacKey);
    }

    /// <summary>Changes one character of the signature.</summary>
    public static string Tamper(string token)
    {
        char last = token[^2];
        return string.Concat(token.AsSpan(0, token.Length - 2), last == 'A' ? "B" : "A", token.AsSpan(token.Length - 1));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private string JwksJson()
    {
        List<SecurityKey> keys;
        lock (_keysLock)
        {
            keys = _keys;
        }

        var jwks = new StringBuilder("""{"keys":[""");
        jwks.AppendJoin(',', keys.Select(k => System.Text.Json.JsonSerializer.Serialize(PublicJwk(k))));
        return jwks.Append("]}").ToString();
    }

    private static Dictionary<string, string> PublicJwk(SecurityKey key)
    {
        var jwk = JsonWebKeyConverter.ConvertFromSecurityKey(key);
        var result = new Dictionary<string, string> { ["kty"] = jwk.Kty, ["kid"] = jwk.Kid, ["use"] = "sig" };
        if (jwk.Kty == "RSA")
        {
            result["n"] = jwk.N;
            result["e"] = jwk.E;
            result["alg"] = "RS256";
        }
        else
        {
            result["crv"] = jwk.Crv;
            result["x"] = jwk.X;
            result["y"] = jwk.Y;
            result["alg"] = "ES256";
        }

        return result;
    }
}
