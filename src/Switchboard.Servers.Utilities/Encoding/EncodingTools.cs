using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Serialization;
using ModelContextProtocol.Server;

namespace Switchboard.Servers.Utilities.Encoding;

/// <summary>Text encodings the encode and decode tools offer.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TextEncoding>))]
internal enum TextEncoding
{
    [JsonStringEnumMemberName("base64")] Base64,
    [JsonStringEnumMemberName("base64url")] Base64Url,
    [JsonStringEnumMemberName("hex")] Hex,
    [JsonStringEnumMemberName("url")] Url,
}

/// <summary>base64, base64url, hex and URL percent-encoding, both ways.</summary>
[McpServerToolType]
internal static class EncodingTools
{
    [McpServerTool(Name = "encode", ReadOnly = true, Idempotent = true, OpenWorld = false, Destructive = false)]
    [Description("Encodes UTF-8 text as base64 (RFC 4648 §4, padded), base64url (RFC 4648 §5, URL-safe alphabet, no padding), hex (lower-case, two digits per byte) or url (percent-encoding of a query-string component per RFC 3986: spaces become %20, unreserved A-Z a-z 0-9 - _ . ~ stay). Returns the encoded string.")]
    public static string Encode(
        [Description("The text to encode (UTF-8). At most 1 MiB.")] string text,
        [Description("Target encoding: base64, base64url, hex or url.")] TextEncoding encoding)
    {
        Limits.RequireLength(text, nameof(text));
        Limits.RequireMember(encoding, nameof(encoding));
        if (encoding == TextEncoding.Url)
        {
            return Uri.EscapeDataString(text);
        }

        byte[] bytes = ByteFormats.Decode(text, InputEncoding.Utf8, nameof(text));
        return encoding switch
        {
            TextEncoding.Base64 => ByteFormats.Encode(bytes, OutputEncoding.Base64),
            TextEncoding.Base64Url => ByteFormats.Encode(bytes, OutputEncoding.Base64Url),
            TextEncoding.Hex => ByteFormats.Encode(bytes, OutputEncoding.Hex),
            _ => throw new UnreachableException(),
        };
    }

    [McpServerTool(Name = "decode", ReadOnly = true, Idempotent = true, OpenWorld = false, Destructive = false)]
    [Description("Decodes base64 (standard or URL-safe alphabet, padding optional, whitespace ignored), hex (either case; spaces, ':' and a leading 0x ignored) or url (percent-encoding; '+' is read as a space when plusAsSpace is true) back to UTF-8 text. Binary data that is not valid UTF-8 fails with a message; set asHex to get the bytes as lower-case hex instead (e.g. to turn base64 into hex).")]
    public static string Decode(
        [Description("The encoded text. At most 1 MiB.")] string text,
        [Description("The encoding 'text' is in: base64, base64url, hex or url.")] TextEncoding encoding,
        [Description("For url only: read '+' as a space (HTML form encoding). Default false.")] bool plusAsSpace = false,
        [Description("Return the decoded bytes as lower-case hex instead of UTF-8 text. Default false.")] bool asHex = false)
    {
        Limits.RequireLength(text, nameof(text));
        switch (Limits.RequireMember(encoding, nameof(encoding)))
        {
            case TextEncoding.Url:
                if (!IsValidPercentEncoding(text))
                {
                    ToolError.Throw("'text' is not valid percent-encoding: every '%' must be followed by two hex digits (e.g. %20).");
                }

                byte[] fromUrl = PercentDecode(plusAsSpace ? text.Replace('+', ' ') : text);
                return asHex ? ByteFormats.Encode(fromUrl, OutputEncoding.Hex) : ByteFormats.ToUtf8(fromUrl, "url");
            case TextEncoding.Hex:
                byte[] fromHex = ByteFormats.FromHex(text, nameof(text));
                return asHex ? ByteFormats.Encode(fromHex, OutputEncoding.Hex) : ByteFormats.ToUtf8(fromHex, "hex");
            case TextEncoding.Base64 or TextEncoding.Base64Url:
                byte[] fromBase64 = ByteFormats.FromBase64Any(text, nameof(text));
                return asHex ? ByteFormats.Encode(fromBase64, OutputEncoding.Hex) : ByteFormats.ToUtf8(fromBase64, "base64");
            default:
                throw new UnreachableException();
        }
    }

    // Uri.UnescapeDataString leaves escapes that are not valid UTF-8 as text ("%ff" stays "%ff"), so the bytes are
    // decoded here: literal characters as UTF-8, each escape as its byte.
    private static byte[] PercentDecode(string text)
    {
        var bytes = new List<byte>(text.Length);
        int literalStart = 0;
        for (int escape = text.IndexOf('%', StringComparison.Ordinal); escape >= 0; escape = text.IndexOf('%', literalStart))
        {
            bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(text[literalStart..escape]));
            bytes.Add(byte.Parse(text.AsSpan(escape + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
            literalStart = escape + 3;
        }

        bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(text[literalStart..]));
        return [.. bytes];
    }

    private static bool IsValidPercentEncoding(string text)
    {
        for (int i = text.IndexOf('%', StringComparison.Ordinal); i >= 0; i = text.IndexOf('%', i + 1))
        {
            if (i + 2 >= text.Length || !char.IsAsciiHexDigit(text[i + 1]) || !char.IsAsciiHexDigit(text[i + 2]))
            {
                return false;
            }
        }

        return true;
    }
}
