using System.Globalization;
using System.Text.RegularExpressions;

namespace Switchboard.Servers.Filesystem.Search;

/// <summary>
/// Brace expansion as minimatch does it before matching (the brace-expansion package, bash semantics):
/// <c>a{b,c}d</c> → abd, acd, sets nest, <c>{1..3}</c>, <c>{01..10..3}</c> and <c>{a..e..2}</c> are sequences, and a
/// brace pair that is neither (<c>{a}</c>, <c>${a,b}</c>) stays as written. <c>\{ \} \, \. \\</c> escape those
/// characters from the expansion and, as in brace-expansion, lose their backslash.
/// </summary>
internal static partial class BraceExpansion
{
    public const int MaxExpansions = 1024;
    private const int MaxDepth = 1000; // brace-expansion's limits; past them the text stays as it is
    private const int MaxRewrites = 1000;

    // Escaped characters wait as Unicode noncharacters (reserved for exactly this kind of internal use).
    private const char EscapedBackslash = '\uFDD0', EscapedOpen = '\uFDD1', EscapedClose = '\uFDD2', EscapedComma = '\uFDD3', EscapedPeriod = '\uFDD4';

    /// <summary>The patterns <paramref name="pattern"/> stands for; the pattern itself when it has no brace pair.</summary>
    public static List<string> Expand(string pattern)
    {
        if (!BracePair().IsMatch(pattern))
        {
            return [pattern];
        }

        if (pattern.StartsWith("{}", StringComparison.Ordinal))
        {
            pattern = @"\{\}" + pattern[2..];
        }

        string escaped = pattern.Replace(@"\\", EscapedBackslash.ToString(), StringComparison.Ordinal)
            .Replace(@"\{", EscapedOpen.ToString(), StringComparison.Ordinal)
            .Replace(@"\}", EscapedClose.ToString(), StringComparison.Ordinal)
            .Replace(@"\,", EscapedComma.ToString(), StringComparison.Ordinal)
            .Replace(@"\.", EscapedPeriod.ToString(), StringComparison.Ordinal);
        return [.. Expand(escaped, depth: 0, pattern).Select(Unescape)];
    }

    private static List<string> Expand(string text, int depth, string pattern)
    {
        if (depth > MaxDepth)
        {
            return [text];
        }

        List<string> done = [""];
        int rewrites = 0;
        while (FindPair(text) is var (open, close))
        {
            string pre = text[..open], body = text[(open + 1)..close], post = text[(close + 1)..];
            bool alpha = AlphaSequence().IsMatch(body);
            List<string> values;
            if (pre.EndsWith('$'))
            {
                values = ["{" + body + "}"]; // ${...} is a shell variable, not a set
            }
            else if (alpha || NumericSequence().IsMatch(body))
            {
                values = Sequence(body, alpha, pattern);
            }
            else if (body.Contains(',', StringComparison.Ordinal))
            {
                values = Options(body, depth, pattern);
            }
            else if (rewrites++ < MaxRewrites && CommaSetFollows(post))
            {
                text = pre + "{" + body + EscapedClose + post; // "{a}" is text; a set may still follow
                continue;
            }
            else
            {
                return Combine(done, pre + "{" + body + "}" + post, [""], pattern);
            }

            done = Combine(done, pre, values, pattern);
            text = post;
            if (text.Length == 0)
            {
                return done;
            }
        }

        return Combine(done, text, [""], pattern);
    }

    /// <summary>The members of a set's body: split at its top-level commas, each expanded in turn.</summary>
    private static List<string> Options(string body, int depth, string pattern)
    {
        var parts = new List<string>();
        string carry = "", rest = body;
        while (true)
        {
            if (FindPair(rest) is not var (open, close))
            {
                string[] tail = rest.Split(',');
                tail[0] = carry + tail[0];
                parts.AddRange(tail);
                break;
            }

            string[] before = rest[..open].Split(',');
            before[0] = carry + before[0];
            before[^1] += rest[open..(close + 1)];
            rest = rest[(close + 1)..];
            if (rest.Length == 0)
            {
                parts.AddRange(before);
                break;
            }

            carry = before[^1];
            parts.AddRange(before[..^1]);
        }

        if (parts.Count == 1)
        {
            // "{a{b,c}}": the commas belong to a nested set, so this pair stays as text around each of its expansions.
            parts = [.. Expand(parts[0], depth + 1, pattern).Select(value => "{" + value + "}")];
            if (parts.Count == 1)
            {
                return parts;
            }
        }

        return [.. parts.SelectMany(part => Expand(part, depth + 1, pattern))];
    }

    private static List<string> Sequence(string body, bool alpha, string pattern)
    {
        string[] bounds = body.Split("..");
        long from = Bound(bounds[0]), to = Bound(bounds[1]);
        long step = bounds.Length == 3 ? Math.Max(Math.Abs(Bound(bounds[2])), 1) : 1;
        if (Math.Abs(to - from) / step >= MaxExpansions)
        {
            ToolFailure.Throw($"The range {{{body}}} in '{pattern}' has more than {MaxExpansions} values: use a smaller range.");
        }

        int width = Math.Max(bounds[0].Length, bounds[1].Length);
        bool pad = bounds.Any(bound => ZeroPadded().IsMatch(bound));
        var values = new List<string>();
        for (long value = from; to < from ? value >= to : value <= to; value += to < from ? -step : step)
        {
            values.Add(alpha ? AlphaValue((char)value)
                : pad ? Padded(value, width)
                : value.ToString(CultureInfo.InvariantCulture));
        }

        return values;

        long Bound(string text) => char.IsAsciiLetter(text[0]) ? text[0]
            : long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long number) ? number
            : ToolFailure.Throw<long>($"The range {{{body}}} in '{pattern}' has more than {MaxExpansions} values: use a smaller range.");
        static string AlphaValue(char c) => c == '\\' ? "" : c.ToString();
        static string Padded(long value, int width) =>
            value < 0 ? "-" + (-value).ToString(CultureInfo.InvariantCulture).PadLeft(width - 1, '0') : value.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0');
    }

    private static List<string> Combine(List<string> prefixes, string middle, List<string> values, string pattern)
    {
        if ((long)prefixes.Count * values.Count > MaxExpansions)
        {
            ToolFailure.Throw($"The pattern '{pattern}' expands to more than {MaxExpansions} alternatives: use fewer braces.");
        }

        return [.. prefixes.SelectMany(prefix => values.Select(value => prefix + middle + value))];
    }

    /// <summary>
    /// The brace pair to expand first (balanced-match's range): the one that opens first and closes, or, when that
    /// opening brace is never closed, the leftmost pair that is.
    /// </summary>
    private static (int Open, int Close)? FindPair(string text)
    {
        var opens = new Stack<int>();
        (int Open, int Close)? leftmost = null;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '{')
            {
                opens.Push(i);
            }
            else if (text[i] == '}' && opens.Count > 0)
            {
                int open = opens.Pop();
                if (opens.Count == 0)
                {
                    return (open, i);
                }

                if (leftmost is null || open < leftmost.Value.Open)
                {
                    leftmost = (open, i);
                }
            }
        }

        return leftmost;
    }

    /// <summary>Whether a set ("…,…}") follows on the same line, so a pair that is not a set is skipped rather than ending the expansion.</summary>
    private static bool CommaSetFollows(string text)
    {
        bool close = false;
        for (int i = text.Length - 1; i >= 0; i--)
        {
            switch (text[i])
            {
                case '}':
                    close = true;
                    break;
                case '\n' or '\r' or '\u2028' or '\u2029':
                    close = false;
                    break;
                case ',' when close && (i + 1 >= text.Length || text[i + 1] != ','):
                    return true;
            }
        }

        return false;
    }

    private static string Unescape(string text) => text
        .Replace(EscapedBackslash, '\\').Replace(EscapedOpen, '{').Replace(EscapedClose, '}').Replace(EscapedComma, ',').Replace(EscapedPeriod, '.');

    [GeneratedRegex(@"\{(?:(?!\{).)*\}", RegexOptions.CultureInvariant)]
    private static partial Regex BracePair();

    [GeneratedRegex(@"^-?[0-9]+\.\.-?[0-9]+(?:\.\.-?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex NumericSequence();

    [GeneratedRegex(@"^[a-zA-Z]\.\.[a-zA-Z](?:\.\.-?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex AlphaSequence();

    [GeneratedRegex(@"^-?0[0-9]", RegexOptions.CultureInvariant)]
    private static partial Regex ZeroPadded();
}
