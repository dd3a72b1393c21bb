using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Switchboard.Storage.Audit;

/// <summary>
/// Turns a tool call's arguments into what the audit trail may keep: values under secret-sounding names and strings
/// that look like credentials are replaced, and the result is cut to a size bound. Pure: no I/O, no host.
/// </summary>
public sealed partial class AuditArguments
{
    /// <summary>What replaces a redacted value.</summary>
    public const string Redacted = "[redacted]";

    // The bound counts the characters a reader sees, not \uXXXX escapes; the stored details escape them again.
    private static readonly JsonSerializerOptions Unescaped = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly string[] _names;
    private readonly int _maxBytes;

    /// <summary>Creates the capture from <paramref name="options"/>.</summary>
    public AuditArguments(AuditOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Enabled = options.CaptureArguments;
        _maxBytes = options.MaxArgumentBytes;
        _names = [.. DefaultRedactedNames.Concat(options.RedactedNames).Select(Normalize).Where(n => n.Length > 0).Distinct()];
    }

    /// <summary>
    /// Names always redacted. Matching ignores case and separators and also takes a longer name ending in one of
    /// these, so <c>token</c> covers <c>accessToken</c> and <c>refresh_token</c>, <c>key</c> covers <c>apiKey</c>,
    /// <c>x-api-key</c> and <c>privateKey</c>, <c>secret</c> covers <c>client_secret</c>. Bare <c>key</c> is here on
    /// purpose (an HMAC tool's key is its secret): over-redacting a sort key costs less than leaking a signing key.
    /// </summary>
    public static IReadOnlyList<string> DefaultRedactedNames { get; } =
    [
        "password", "passwd", "passphrase", "pwd", "secret", "token", "key", "authorization", "auth", "cookie",
        "credential", "credentials", "connectionString", "sessionId",
    ];

    /// <summary>Whether tool-call events carry arguments (<see cref="AuditOptions.CaptureArguments"/>).</summary>
    public bool Enabled { get; }

    /// <summary>
    /// The redacted, bounded copy of a tool call's arguments; null when capture is off or the call has none. Within
    /// the bound it is a JSON object; beyond it, a string holding the start of that object's JSON and a marker.
    /// </summary>
    public JsonNode? Capture(IEnumerable<KeyValuePair<string, JsonElement>>? arguments)
    {
        if (!Enabled || arguments is null)
        {
            return null;
        }

        var captured = new JsonObject();
        foreach (var (name, value) in arguments)
        {
            captured[name] = RedactProperty(name, value);
        }

        return Bound(captured);
    }

    /// <summary>A copy of <paramref name="value"/> with secrets replaced at any depth.</summary>
    public JsonNode? Redact(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                var redacted = new JsonObject();
                foreach (var property in value.EnumerateObject())
                {
                    redacted[property.Name] = RedactProperty(property.Name, property.Value); // the last of duplicate names wins, as in most parsers
                }

                return redacted;
            case JsonValueKind.Array:
                return new JsonArray([.. value.EnumerateArray().Select(Redact)]);
            case JsonValueKind.String:
                return JsonValue.Create(RedactSecrets(value.GetString()!));
            default:
                return JsonValue.Create(value.Clone());
        }
    }

    /// <summary>Whether values under <paramref name="name"/> are replaced whole.</summary>
    public bool IsRedactedName(string name)
    {
        var normalized = Normalize(name);
        return normalized.Length > 0 && _names.Any(n => normalized.EndsWith(n, StringComparison.Ordinal));
    }

    /// <summary>
    /// <paramref name="text"/> with credentials replaced wherever they appear, whatever the property is called:
    /// Switchboard API keys (<c>sbk_…</c>), JWTs, <c>Bearer</c>/<c>Basic</c> credentials, PEM private keys, GitHub,
    /// Slack and AWS access keys, the password in <c>scheme://user:password@host</c>, and values after
    /// <c>password=</c>, <c>secret=</c>, <c>token=</c>, <c>api_key=</c> (connection and query strings, embedded JSON).
    /// </summary>
    public static string RedactSecrets(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            return SecretPattern().Replace(text, m => m.Groups["keep"].Value + Redacted);
        }
        catch (RegexMatchTimeoutException)
        {
            // Fail closed: a value too costly to scan is not kept.
            return Redacted;
        }
    }

    /// <summary>A name as matched: lower case, letters and digits only (<c>X-Api_Key</c> becomes <c>xapikey</c>).</summary>
    public static string Normalize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var normalized = new StringBuilder(name.Length);
        foreach (var c in name.Where(char.IsLetterOrDigit))
        {
            normalized.Append(char.ToLowerInvariant(c));
        }

        return normalized.ToString();
    }

    private JsonNode? RedactProperty(string name, JsonElement value) =>
        value.ValueKind is not JsonValueKind.Null && IsRedactedName(name) ? JsonValue.Create(Redacted) : Redact(value);

    private JsonNode Bound(JsonObject captured)
    {
        var json = captured.ToJsonString(Unescaped);
        var bytes = Encoding.UTF8.GetBytes(json);
        if (bytes.Length <= _maxBytes)
        {
            return captured;
        }

        // Cut on a character boundary: step back over UTF-8 continuation bytes (10xxxxxx).
        var cut = _maxBytes;
        while (cut > 0 && (bytes[cut] & 0xC0) == 0x80)
        {
            cut--;
        }

        return JsonValue.Create(Encoding.UTF8.GetString(bytes, 0, cut) + string.Create(CultureInfo.InvariantCulture, $"... [truncated: {bytes.Length} bytes in all]"));
    }

    // Each branch is linear (no nested quantifiers); the timeout is a backstop, not the bound.
    [GeneratedRegex(
        """
        (?<keep>\b(?i:bearer|basic)\s+)[A-Za-z0-9._~+/_-]{16,}=*
        |\bsbk_[0-9A-Za-z]{12}_[0-9A-Za-z]+
        |\beyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*
        |-----BEGIN[A-Z\x20]*PRIVATE\x20KEY-----(?:[^-]|-(?!----END))*(?:-----END[A-Z\x20]*PRIVATE\x20KEY-----)?
        |\bgh[pousr]_[A-Za-z0-9]{30,}
        |\bgithub_pat_[A-Za-z0-9_]{20,}
        |\bxox[abposr]-[A-Za-z0-9-]{10,}
        |\b(?:AKIA|ASIA)[A-Z0-9]{16}\b
        |(?<keep>\b[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]+:)[^/\s@]+(?=@)
        |(?<keep>(?i:password|passwd|pwd|secret|token|api[_-]?key)["']?\s*[=:]\s*["']?)[^\s;,&"']+
        """,
        RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant,
        matchTimeoutMilliseconds: 1000)]
    private static partial Regex SecretPattern();
}
