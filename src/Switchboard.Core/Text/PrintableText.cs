using System.Globalization;
using System.Text;

namespace Switchboard.Text;

/// <summary>
/// Makes client-supplied text (a tool name, a resource URI, a subject claim) safe to put in a log line: a name with a
/// newline must not forge a second line, nor a bidirectional override reorder what a reader sees. Store such text
/// faithfully; escape it only where it is shown.
/// </summary>
public static class PrintableText
{
    /// <summary>What marks text cut at the length bound.</summary>
    public const string Ellipsis = "…";

    /// <summary>
    /// <paramref name="text"/> with control and invisible formatting characters written as escapes (<c>\n</c>, <c>\t</c>,
    /// <c>\u202E</c>) and backslashes doubled, so the result is one line and reads back unambiguously; cut to
    /// <paramref name="maxLength"/> characters of input, marked with <see cref="Ellipsis"/>. Null stays null.
    /// </summary>
    public static string? Escape(string? text, int maxLength = 256)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLength);
        if (text is null)
        {
            return null;
        }

        bool cut = text.Length > maxLength;
        // Never keep half of a surrogate pair.
        var span = !cut ? text.AsSpan() : text.AsSpan(0, char.IsHighSurrogate(text[maxLength - 1]) ? maxLength - 1 : maxLength);
        int first = IndexOfUnsafe(span);
        if (first < 0)
        {
            return cut ? string.Concat(span, Ellipsis) : text;
        }

        var escaped = new StringBuilder(span.Length + 16).Append(span[..first]);
        foreach (char c in span[first..])
        {
            _ = c switch
            {
                '\\' => escaped.Append(@"\\"),
                '\n' => escaped.Append(@"\n"),
                '\r' => escaped.Append(@"\r"),
                '\t' => escaped.Append(@"\t"),
                _ when NeedsEscape(c) => escaped.Append(@"\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture)),
                _ => escaped.Append(c),
            };
        }

        return (cut ? escaped.Append(Ellipsis) : escaped).ToString();
    }

    private static int IndexOfUnsafe(ReadOnlySpan<char> text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' || NeedsEscape(text[i]))
            {
                return i;
            }
        }

        return -1;
    }

    // Control characters (C0, DEL, C1), the Unicode line and paragraph separators, and format characters such as the
    // bidirectional overrides and zero-width joiners, which change what a reader sees without being seen.
    private static bool NeedsEscape(char c) =>
        char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Format;
}
