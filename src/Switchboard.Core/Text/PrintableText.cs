using System.Globalization;
using System.Text;

namespace Switchboard.Text;

/// <summary>
/// Makes stored text safe to show on a terminal or in a line-oriented listing. Switchboard stores what callers
/// sent faithfully (a tool name with a newline is audited as sent), so everything that prints stored text goes
/// through <see cref="Escape"/>: a newline, tab or escape sequence in a name must not forge a line, a column or a
/// terminal command.
/// </summary>
public static class PrintableText
{
    /// <summary>
    /// Returns <paramref name="text"/> with every control character written visibly: <c>\n</c>, <c>\r</c>,
    /// <c>\t</c>, and <c>\uXXXX</c> for the rest (C0, DEL, C1), for the line and paragraph separators, and for the
    /// bidirectional overrides that can make text display in another order than it is stored. Everything else,
    /// backslashes included, is kept: JSON details stay readable, and a literal <c>\n</c> cannot break a line.
    /// </summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int first = text.AsSpan().IndexOfAny(Unsafe);
        if (first < 0)
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 16).Append(text, 0, first);
        foreach (char c in text.AsSpan(first))
        {
            if (!Unsafe.Contains(c))
            {
                escaped.Append(c);
                continue;
            }

            escaped.Append(c switch
            {
                '\n' => @"\n",
                '\r' => @"\r",
                '\t' => @"\t",
                _ => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}"),
            });
        }

        return escaped.ToString();
    }

    private static readonly System.Buffers.SearchValues<char> Unsafe = System.Buffers.SearchValues.Create(UnsafeCharacters());

    private static string UnsafeCharacters()
    {
        var characters = new StringBuilder();
        for (char c = '\0'; c < ' '; c++)
        {
            characters.Append(c);
        }

        for (char c = '\u007F'; c <= '\u009F'; c++)
        {
            characters.Append(c);
        }

        // Line and paragraph separators; the bidirectional marks, embeddings, overrides and isolates ("Trojan Source").
        return characters.Append("\u2028\u2029\u200E\u200F\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069").ToString();
    }
}
