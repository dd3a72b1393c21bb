using System.Security.Claims;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Switchboard.Policy;

namespace Switchboard.Access.Identity;

/// <summary>
/// Reads the claims of a JWT whose signature and lifetime were already validated, strictly: a claim of the wrong JSON
/// type or shape is a defect of the token (401), never a 500 and never a guess. Role values become roles only when
/// they name a role that exists.
/// </summary>
public static partial class JwtClaims
{
    /// <summary>The one non-empty string value of claim <paramref name="type"/>; null when absent, repeated, blank or not a JSON string.</summary>
    public static string? SingleString(ClaimsIdentity identity, string type)
    {
        ArgumentNullException.ThrowIfNull(identity);
        string? value = null;
        foreach (var claim in identity.FindAll(type))
        {
            if (value is not null || !IsString(claim))
            {
                return null;
            }

            value = claim.Value;
        }

        return string.IsNullOrWhiteSpace(value) ? null : value;
    }

    /// <summary>
    /// The token's <c>sub</c> when it is a non-blank JSON string (RFC 7519 §4.1.2); null when absent or of another type.
    /// Read from the payload itself: the token library turns a numeric <c>sub</c> into a string claim.
    /// </summary>
    public static string? Subject(JsonWebToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        using var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(token.EncodedPayload));
        return payload.RootElement.TryGetProperty("sub", out var sub) && sub.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(sub.GetString())
            ? sub.GetString()
            : null;
    }

    /// <summary>Whether <paramref name="claim"/> was a JSON string (the token library types strings that read as dates as DateTime).</summary>
    public static bool IsString(Claim claim) =>
        claim?.ValueType is ClaimValueTypes.String or ClaimValueTypes.DateTime;

    /// <summary>
    /// The values in <paramref name="values"/> that name a role <paramref name="policy"/> has. The rest are dropped and
    /// logged at Debug (escaped, without the token): a token can never bring a role into being, nor share the cached
    /// decisions of a role set it only resembles (a role named <c>"admin,viewer"</c>).
    /// </summary>
    public static List<string> KnownRoles(AccessPolicy policy, IEnumerable<string> values, ILogger logger, string issuer)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(values);
        var known = new List<string>();
        List<string>? dropped = null;
        foreach (string value in values)
        {
            if (policy.HasRole(value))
            {
                known.Add(value);
            }
            else
            {
                (dropped ??= []).Add(value);
            }
        }

        if (dropped is not null && logger.IsEnabled(LogLevel.Debug))
        {
            LogUnknownRolesDropped(logger, dropped.Count, issuer, JsonSerializer.Serialize(dropped));
        }

        return known;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped {Count} role value(s) from a token of {Issuer} that name no role: {Values}")]
    private static partial void LogUnknownRolesDropped(ILogger logger, int count, string issuer, string values);
}
