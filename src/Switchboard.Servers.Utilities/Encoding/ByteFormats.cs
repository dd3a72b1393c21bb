using System.Diagnostics;
using System.Text.Json.Serialization;

namespace Switchboard.Servers.Utilities.Encoding;

/// <summary>How the bytes of a tool's input are written.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<InputEncoding>))]
internal enum InputEncoding
{
    [JsonStringEnumMemberName("utf8")] Utf8,
    [JsonStringEnumMemberName("hex")] Hex,
    [JsonStringEnumMemberName("base64")] Base64,
}

/// <summary>How bytes are written in a tool's output.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OutputEncoding>))]
internal enum OutputEncoding
{
    [JsonStringEnumMemberName("hex")] Hex,
    [JsonStringEnumMemberName("base64")] Base64,
    [JsonStringEnumMemberName("base64url")] Base64Url,
}

/// <summary>Turns text into bytes and bytes into text in the encodings the tools accept.</summary>
internal static class ByteFormats
{
    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The bytes <paramref name="value"/> stands for, or a tool error naming <paramref name="parameter"/>.</summary>
    public static byte[] Decode(string value, InputEncoding encoding, string parameter) => encoding switch
    {
        InputEncoding.Utf8 => StrictUtf8.GetBytes(value),
        InputEncoding.Hex => FromHex(value, parameter),
        InputEncoding.Base64 => FromBase64Any(value, parameter),
        _ => throw new UnreachableException(),
    };

    /// <summary>Writes <paramref name="bytes"/> as <paramref name="encoding"/>.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes, OutputEncoding encoding) => encoding switch
    {
        OutputEncoding.Hex => Convert.ToHexStringLower(bytes),
        OutputEncoding.Base64 => Convert.ToBase64String(bytes),
        OutputEncoding.Base64Url => System.Buffers.Text.Base64Url.EncodeToString(bytes),
        _ => throw new UnreachableException(),
    };

    /// <summary>Hex digits (either case, whitespace and ':' separators ignored) to bytes.</summary>
    public static byte[] FromHex(string value, string parameter)
    {
        string digits = string.Concat(value.Where(c => !char.IsWhiteSpace(c) && c != ':'));
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            digits = digits[2..];
        }

        if (digits.Length % 2 != 0)
        {
            ToolError.Throw($"'{parameter}' is not valid hex: it has an odd number of digits ({digits.Length}). Each byte is two hex digits.");
        }

        try
        {
            return Convert.FromHexString(digits);
        }
        catch (FormatException)
        {
            int bad = digits.AsSpan().IndexOfAnyExcept("0123456789abcdefABCDEF");
            return ToolError.Throw<byte[]>($"'{parameter}' is not valid hex: '{digits[bad]}' at position {bad} is not a hex digit (0-9, a-f).");
        }
    }

    /// <summary>Standard or URL-safe base64, padded or not, to bytes.</summary>
    public static byte[] FromBase64Any(string value, string parameter)
    {
        string text = string.Concat(value.Where(c => !char.IsWhiteSpace(c)));
        if (text.Contains('-', StringComparison.Ordinal) || text.Contains('_', StringComparison.Ordinal) || text.Length % 4 != 0)
        {
            // URL-safe alphabet (RFC 4648 §5) or unpadded: normalize to the standard alphabet with padding.
            text = text.Replace('-', '+').Replace('_', '/');
            text = text.TrimEnd('=');
            if (text.Length % 4 == 1)
            {
                ToolError.Throw($"'{parameter}' is not valid base64: its length ({text.Length} characters without padding) cannot encode whole bytes.");
            }

            text = text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
        }

        byte[] buffer = new byte[text.Length * 3 / 4];
        if (!Convert.TryFromBase64String(text, buffer, out int written))
        {
            ToolError.Throw($"'{parameter}' is not valid base64: use A-Z a-z 0-9 + / (or - _ for base64url) with optional '=' padding.");
        }

        return buffer[..written];
    }

    /// <summary>Bytes to UTF-8 text, or a tool error suggesting a byte encoding instead.</summary>
    public static string ToUtf8(byte[] bytes, string what)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (System.Text.DecoderFallbackException)
        {
            return ToolError.Throw<string>($"The decoded {what} ({bytes.Length} bytes) is not valid UTF-8 text. Set asHex to get the bytes as hex.");
        }
    }
}
