using System.Buffers;
using System.ComponentModel;
using ModelContextProtocol.Server;

namespace Switchboard.Servers.Utilities.Identifiers;

/// <summary>Generates and inspects UUIDs (RFC 9562) and ULIDs.</summary>
[McpServerToolType]
internal sealed class IdentifierTools(TimeProvider timeProvider)
{
    private const string CrockfordAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static readonly SearchValues<char> CrockfordDigits = SearchValues.Create(CrockfordAlphabet);

    [McpServerTool(Name = "uuid_v4", ReadOnly = true, Idempotent = false, OpenWorld = false, Destructive = false, UseStructuredContent = true)]
    [Description("Generates random UUIDs, version 4 (RFC 9562 §5.4): 122 random bits from a cryptographic RNG. Returns lower-case hyphenated strings like 'f47ac10b-58cc-4372-a567-0e02b2c3d479'.")]
    public static IdList UuidV4(
        [Description("How many UUIDs to generate, 1 to 1000.")] int count = 1)
    {
        Limits.RequireRange(count, nameof(count), 1, Limits.MaxIds);
        var ids = new string[count];
        for (int i = 0; i < count; i++)
        {
            ids[i] = Guid.NewGuid().ToString("D");
        }

        return new IdList(ids);
    }

    [McpServerTool(Name = "uuid_v7", ReadOnly = true, Idempotent = false, OpenWorld = false, Destructive = false, UseStructuredContent = true)]
    [Description("Generates time-ordered UUIDs, version 7 (RFC 9562 §5.7): the first 48 bits are the current Unix time in milliseconds, the rest random, so they sort by creation time to the millisecond. Good database keys.")]
    public IdList UuidV7(
        [Description("How many UUIDs to generate, 1 to 1000.")] int count = 1)
    {
        Limits.RequireRange(count, nameof(count), 1, Limits.MaxIds);
        var now = timeProvider.GetUtcNow();
        var ids = new string[count];
        for (int i = 0; i < count; i++)
        {
            ids[i] = Guid.CreateVersion7(now).ToString("D");
        }

        return new IdList(ids);
    }

    [McpServerTool(Name = "ulid", ReadOnly = true, Idempotent = false, OpenWorld = false, Destructive = false, UseStructuredContent = true)]
    [Description("Generates ULIDs: 26-character Crockford base32 strings (48-bit Unix-millisecond timestamp + 80 random bits) that sort lexicographically by creation time, e.g. '01ARZ3NDEKTSV4RRFFQ69G5FAV'.")]
    public IdList NewUlid(
        [Description("How many ULIDs to generate, 1 to 1000.")] int count = 1)
    {
        Limits.RequireRange(count, nameof(count), 1, Limits.MaxIds);
        var now = timeProvider.GetUtcNow();
        var ids = new string[count];
        for (int i = 0; i < count; i++)
        {
            ids[i] = Ulid.NewUlid(now).ToString();
        }

        return new IdList(ids);
    }

    [McpServerTool(Name = "identifier_inspect", ReadOnly = true, Idempotent = true, OpenWorld = false, Destructive = false, UseStructuredContent = true)]
    [Description("Explains a UUID (any version; with or without hyphens or braces) or a ULID: its kind, UUID version and variant, and the embedded creation time (UTC, ISO 8601) for UUIDv7, UUIDv1 and ULID.")]
    public static IdentifierInfo Inspect(
        [Description("The identifier: a 36-character UUID, a 32-hex-digit UUID, or a 26-character ULID.")] string id)
    {
        Limits.RequireLength(id, nameof(id), 100);
        string trimmed = id.Trim();

        // No UUID spelling is 26 characters long, so this length can only be meant as a ULID.
        if (trimmed.Length == 26)
        {
            return InspectUlid(trimmed);
        }

        if (!Guid.TryParse(trimmed, out var guid))
        {
            return ToolError.Throw<IdentifierInfo>(
                $"'{trimmed}' is neither a UUID (32 hex digits, optionally hyphenated 8-4-4-4-12) nor a ULID (26 Crockford base32 characters).");
        }

        return new IdentifierInfo("uuid", guid.ToString("D"), guid.Version, UuidLayout.Variant(guid), UuidLayout.Timestamp(guid)?.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
    }

    // Ulid.TryParse neither checks the alphabet nor the 128-bit range, and then "canonicalises" into another ULID.
    private static IdentifierInfo InspectUlid(string text)
    {
        string canonical = text.ToUpperInvariant();
        int bad = canonical.AsSpan().IndexOfAnyExcept(CrockfordDigits);
        if (bad >= 0)
        {
            return ToolError.Throw<IdentifierInfo>(
                $"'{text}' is not a ULID: '{text[bad]}' at position {bad + 1} is not a Crockford base32 digit (0-9 and A-Z without I, L, O, U).");
        }

        if (canonical[0] > '7')
        {
            return ToolError.Throw<IdentifierInfo>($"'{text}' is not a ULID: it starts with '{text[0]}', and a ULID starts with 0 to 7 so it fits in 128 bits.");
        }

        // The first 10 digits are the 48-bit Unix time in milliseconds.
        long milliseconds = 0;
        foreach (char digit in canonical.AsSpan(0, 10))
        {
            milliseconds = (milliseconds * 32) + CrockfordAlphabet.IndexOf(digit, StringComparison.Ordinal);
        }

        return new IdentifierInfo("ulid", canonical, null, null, UuidLayout.FromUnixMilliseconds(milliseconds).ToString("O", System.Globalization.CultureInfo.InvariantCulture));
    }
}

/// <summary>Generated identifiers.</summary>
/// <param name="Ids">The identifiers, in generation order.</param>
internal sealed record IdList(IReadOnlyList<string> Ids);

/// <summary>What an identifier is made of.</summary>
/// <param name="Kind">"uuid" or "ulid".</param>
/// <param name="Canonical">The canonical spelling: lower-case hyphenated UUID, upper-case ULID.</param>
/// <param name="Version">The UUID version (4 random, 7 time-ordered, …); null for a ULID.</param>
/// <param name="Variant">The UUID variant: "rfc9562", "ncs", "microsoft", "future"; null for a ULID.</param>
/// <param name="Timestamp">The embedded creation time in UTC, ISO 8601; null when the identifier carries none.</param>
internal sealed record IdentifierInfo(string Kind, string Canonical, int? Version = null, string? Variant = null, string? Timestamp = null);
