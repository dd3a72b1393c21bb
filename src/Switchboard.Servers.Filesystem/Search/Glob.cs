using System.Text;
using System.Text.RegularExpressions;

namespace Switchboard.Servers.Filesystem.Search;

/// <summary>
/// A glob matched against a relative path the way the reference server's <c>minimatch(path, pattern, { dot: true })</c>
/// does: <c>*</c> and <c>?</c> stay within one segment, <c>**</c> as a whole segment spans any number of them (none
/// included), <c>[...]</c> classes (<c>!</c> or <c>^</c> negates), <c>{a,b}</c> and <c>{1..3}</c> braces, <c>\</c>
/// escapes, a leading <c>!</c> negates, and dot files match like any other. Extglobs (<c>+(a|b)</c>) are not supported:
/// their characters match literally.
/// </summary>
internal sealed partial class Glob
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);
    private const int MaxBraceExpansions = 1024;
    private readonly Regex[] _alternatives;
    private readonly bool _negated;

    private Glob(Regex[] alternatives, bool negated)
    {
        _alternatives = alternatives;
        _negated = negated;
    }

    public static Glob Parse(string pattern)
    {
        bool negated = false;
        int start = 0;
        while (start < pattern.Length && pattern[start] == '!')
        {
            negated = !negated;
            start++;
        }

        string body = pattern[start..];
        var alternatives = ExpandBraces(body).Select(alternative => new Regex(ToRegex(alternative), RegexOptions.CultureInvariant | RegexOptions.Singleline, MatchTimeout)).ToArray();
        return new Glob(alternatives, negated);
    }

    public bool IsMatch(string relativePath)
    {
        bool matched = _alternatives.Any(regex => regex.IsMatch(relativePath));
        return matched != _negated;
    }

    private static string ToRegex(string pattern)
    {
        string[] segments = pattern.Split('/');
        var regex = new StringBuilder("^");
        bool needSlash = false;
        for (int i = 0; i < segments.Length; i++)
        {
            bool last = i == segments.Length - 1;
            if (segments[i] == "**")
            {
                if (last)
                {
                    regex.Append(needSlash ? "(?:/.*)?" : ".*");
                }
                else
                {
                    regex.Append(needSlash ? "/" : "").Append("(?:[^/]+/)*");
                    needSlash = false;
                }

                continue;
            }

            if (needSlash)
            {
                regex.Append('/');
            }

            regex.Append(SegmentToRegex(segments[i]));
            needSlash = true;
        }

        return regex.Append('$').ToString();
    }

    private static string SegmentToRegex(string segment)
    {
        var regex = new StringBuilder();
        for (int i = 0; i < segment.Length; i++)
        {
            char c = segment[i];
            switch (c)
            {
                case '\\' when i + 1 < segment.Length:
                    regex.Append(Regex.Escape(segment[++i].ToString()));
                    break;
                case '*':
                    while (i + 1 < segment.Length && segment[i + 1] == '*')
                    {
                        i++; // "a**b" is a plain star inside a segment
                    }

                    regex.Append("[^/]*");
                    break;
                case '?':
                    regex.Append("[^/]");
                    break;
                case '[':
                    int close = ClassEnd(segment, i);
                    if (close < 0)
                    {
                        regex.Append(@"\[");
                        break;
                    }

                    string inner = segment[(i + 1)..close];
                    bool negate = inner.Length > 0 && inner[0] is '!' or '^';
                    if (negate)
                    {
                        inner = inner[1..];
                    }

                    regex.Append('[').Append(negate ? "^/" : "").Append(EscapeClass(inner)).Append(']');
                    i = close;
                    break;
                default:
                    regex.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        return regex.ToString();
    }

    private static int ClassEnd(string segment, int open)
    {
        int i = open + 1;
        if (i < segment.Length && segment[i] is '!' or '^')
        {
            i++;
        }

        if (i < segment.Length && segment[i] == ']')
        {
            i++; // a leading ']' is a member
        }

        for (; i < segment.Length; i++)
        {
            if (segment[i] == '\\')
            {
                i++;
            }
            else if (segment[i] == ']')
            {
                return i;
            }
        }

        return -1;
    }

    private static string EscapeClass(string inner)
    {
        var escaped = new StringBuilder();
        foreach (char c in inner)
        {
            escaped.Append(c is '\\' or ']' or '[' or '^' ? "\\" + c : c.ToString());
        }

        return escaped.ToString();
    }

    /// <summary>Brace expansion as minimatch does it (bash style): <c>a{b,c}d</c> → abd, acd; <c>{1..3}</c> → 1, 2, 3.</summary>
    internal static List<string> ExpandBraces(string pattern)
    {
        var results = new List<string>();
        var queue = new Queue<string>([pattern]);
        while (queue.Count > 0)
        {
            string current = queue.Dequeue();
            var (open, close, commas) = FindBraces(current);
            if (open < 0)
            {
                results.Add(current);
            }
            else
            {
                string prefix = current[..open], suffix = current[(close + 1)..];
                foreach (string option in BraceOptions(current[(open + 1)..close], commas.Select(c => c - open - 1).ToList()))
                {
                    queue.Enqueue(prefix + option + suffix);
                }
            }

            if (results.Count + queue.Count > MaxBraceExpansions)
            {
                ToolFailure.Throw($"The pattern '{pattern}' expands to more than {MaxBraceExpansions} alternatives: use fewer braces.");
            }
        }

        return results;
    }

    private static (int Open, int Close, List<int> Commas) FindBraces(string text)
    {
        for (int open = 0; open < text.Length; open++)
        {
            if (text[open] == '\\')
            {
                open++;
                continue;
            }

            if (text[open] != '{')
            {
                continue;
            }

            int depth = 0;
            var commas = new List<int>();
            for (int i = open; i < text.Length; i++)
            {
                if (text[i] == '\\')
                {
                    i++;
                }
                else if (text[i] == '{')
                {
                    depth++;
                }
                else if (text[i] == '}' && --depth == 0)
                {
                    string inner = text[(open + 1)..i];
                    if (commas.Count > 0 || RangePattern().IsMatch(inner))
                    {
                        return (open, i, commas);
                    }

                    break; // "{a}" is literal; keep looking after this brace
                }
                else if (text[i] == ',' && depth == 1)
                {
                    commas.Add(i);
                }
            }
        }

        return (-1, -1, []);
    }

    private static IEnumerable<string> BraceOptions(string inner, List<int> commas)
    {
        if (commas.Count == 0)
        {
            var match = RangePattern().Match(inner);
            if (int.TryParse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture, out int from) && int.TryParse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture, out int to))
            {
                int step = from <= to ? 1 : -1;
                if (Math.Abs(to - from) >= MaxBraceExpansions)
                {
                    ToolFailure.Throw($"The range {{{inner}}} has more than {MaxBraceExpansions} values: use a smaller range.");
                }

                for (int value = from; value != to + step; value += step)
                {
                    yield return value.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
            }
            else
            {
                char a = match.Groups[1].Value[0], b = match.Groups[2].Value[0];
                int step = a <= b ? 1 : -1;
                for (int value = a; value != b + step; value += step)
                {
                    yield return ((char)value).ToString();
                }
            }

            yield break;
        }

        int start = 0;
        foreach (int comma in commas)
        {
            yield return inner[start..comma];
            start = comma + 1;
        }

        yield return inner[start..];
    }

    [GeneratedRegex(@"^(-?\d+|[A-Za-z])\.\.(-?\d+|[A-Za-z])$", RegexOptions.CultureInvariant)]
    private static partial Regex RangePattern();
}
