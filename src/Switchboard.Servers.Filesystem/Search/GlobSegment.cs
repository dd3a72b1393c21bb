using System.Text;
using System.Text.RegularExpressions;

namespace Switchboard.Servers.Filesystem.Search;

/// <summary>
/// One path segment of a glob (no <c>/</c>) as a regular expression, the way minimatch's AST compiles it with
/// <c>{ dot: true }</c>: <c>*</c> and <c>?</c> stay in the segment, <c>[...]</c> classes take ranges, <c>!</c> or
/// <c>^</c> negation and POSIX classes (<c>[[:digit:]]</c>), <c>\</c> escapes, and the extglobs <c>@(a|b)</c> (one of),
/// <c>?(…)</c> (at most one), <c>*(…)</c> (any number), <c>+(…)</c> (at least one) and <c>!(…)</c> (anything but)
/// nest up to three deep. The regex is embedded in a whole-path one, so no part of it may match a <c>/</c>.
/// </summary>
internal static class GlobSegment
{
    private const int MaxExtglobDepth = 2; // minimatch's maxExtglobRecursion: a deeper "x(" is plain text
    private const string AnyCharacter = "[^/]";

    /// <summary>An extglob: its operator and its alternatives, each a sequence of plain glob text and nested extglobs.</summary>
    private sealed class Extglob(char op)
    {
        public char Operator { get; set; } = op;

        public List<List<object>> Alternatives { get; set; } = [];

        /// <summary>
        /// No plain text came right before its ')' (the last alternative is empty or ends in an extglob). minimatch then
        /// takes a <c>!(…)</c> for an empty one and matches any non-empty text with it; we do the same.
        /// </summary>
        public bool EndsWithoutText { get; set; }
    }

    /// <summary>The regex of <paramref name="segment"/>, its length spent from <paramref name="budget"/> as it is written.</summary>
    public static string ToRegex(string segment, RegexBudget budget)
    {
        var parts = new List<object>();
        ParseSequence(segment, 0, depth: 0, parts, extglob: null);
        foreach (var nested in parts.OfType<Extglob>())
        {
            Flatten(nested);
        }

        return Compile(parts, rest: [], atStart: true, atEnd: true, budget);
    }

    /// <summary>
    /// Reads plain text and extglobs from <paramref name="start"/> into <paramref name="parts"/>. Inside
    /// <paramref name="extglob"/>, <c>|</c> starts its next alternative and <c>)</c> ends it; returns the index after
    /// it, or -1 when it never closes (minimatch then reads the whole extglob as text).
    /// </summary>
    private static int ParseSequence(string text, int start, int depth, List<object> parts, Extglob? extglob)
    {
        var plain = new StringBuilder();
        bool escaping = false;
        int classStart = -1; // index after the '[' of the class being read, -1 outside one
        bool classNegated = false;
        int i = start;
        while (i < text.Length)
        {
            char c = text[i++];
            if (escaping || c == '\\')
            {
                escaping = !escaping;
                plain.Append(c);
                continue;
            }

            if (classStart >= 0)
            {
                // Inside [...], extglob characters are class members; a ']' right after '[' or '[!' is one too.
                if (i == classStart + 1 && c is '^' or '!')
                {
                    classNegated = true;
                }
                else if (c == ']' && i != classStart + 1 && !(i == classStart + 2 && classNegated))
                {
                    classStart = -1;
                }

                plain.Append(c);
                continue;
            }

            if (c == '[')
            {
                classStart = i;
                classNegated = false;
                plain.Append(c);
                continue;
            }

            if (c is '@' or '?' or '*' or '+' or '!' && i < text.Length && text[i] == '(' && depth <= MaxExtglobDepth)
            {
                Flush();
                var nested = new Extglob(c);
                int end = ParseSequence(text, i + 1, depth + 1, [], nested);
                if (end < 0)
                {
                    plain.Append(text, i - 1, text.Length - i + 1);
                    break;
                }

                parts.Add(nested);
                i = end;
                continue;
            }

            if (extglob is not null && c is '|' or ')')
            {
                extglob.EndsWithoutText = plain.Length == 0;
                Flush();
                extglob.Alternatives.Add([.. parts]);
                parts.Clear();
                if (c == ')')
                {
                    return i;
                }

                continue;
            }

            plain.Append(c);
        }

        Flush();
        return extglob is null ? i : -1;

        void Flush()
        {
            if (plain.Length > 0)
            {
                parts.Add(plain.ToString());
                plain.Clear();
            }
        }
    }

    /// <summary>
    /// minimatch's simplification of nested extglobs, which changes what some of them match: an alternative that is
    /// just an extglob of a kind the outer one can take in is merged into it (<c>+(a|+(b))</c> is <c>+(a|b)</c>,
    /// <c>@(?(a)|b)</c> is <c>@(a||b)</c>), and a lone alternative may replace its parent (<c>!(!(a))</c> is <c>@(a)</c>).
    /// </summary>
    private static void Flatten(Extglob extglob)
    {
        for (int pass = 0; pass < 10; pass++)
        {
            bool changed = false;
            for (int j = 0; j < extglob.Alternatives.Count; j++)
            {
                foreach (var nested in extglob.Alternatives[j].OfType<Extglob>())
                {
                    Flatten(nested);
                }

                if (extglob.Alternatives[j] is not [Extglob only])
                {
                    continue;
                }

                bool adopts = Adopts(extglob.Operator, only.Operator), adoptsWithEmpty = !adopts && AdoptsWithEmpty(extglob.Operator, only.Operator);
                if (adopts || adoptsWithEmpty)
                {
                    if (adoptsWithEmpty)
                    {
                        only.Alternatives.Add([]);
                    }

                    extglob.Alternatives.RemoveAt(j);
                    extglob.Alternatives.InsertRange(j, only.Alternatives);
                    changed = true;
                }
                else if (extglob.Alternatives.Count == 1 && Usurps(extglob.Operator, only.Operator) is { } becomes)
                {
                    extglob.Alternatives = only.Alternatives;
                    extglob.Operator = becomes;
                    extglob.EndsWithoutText = false;
                    changed = true;
                }
            }

            if (!changed)
            {
                return;
            }
        }

        static bool Adopts(char outer, char inner) => outer switch
        {
            '!' or '@' => inner == '@',
            '?' => inner is '?' or '@',
            '*' => inner is '*' or '+' or '?' or '@',
            '+' => inner is '+' or '@',
            _ => false,
        };

        static bool AdoptsWithEmpty(char outer, char inner) => outer switch
        {
            '!' or '@' => inner == '?',
            '+' => inner is '?' or '*',
            _ => false,
        };

        static char? Usurps(char outer, char inner) => (outer, inner) switch
        {
            ('!', '!') => '@',
            ('?', '*' or '+') => '*',
            ('@', _) => inner,
            ('+', '?' or '*') => '*',
            _ => null,
        };
    }

    /// <summary>
    /// The regex of a sequence. <paramref name="rest"/> is what follows it up to the end of the segment: a <c>!(…)</c>
    /// refuses its alternatives followed by that rest, as minimatch's negative lookahead does. A sequence at the start
    /// and end of what it stands for, with only plain text, gives a lone <c>*</c> at least one character (minimatch's
    /// noEmpty), which decides what a <c>!(…)</c> at the start refuses.
    /// </summary>
    private static string Compile(List<object> parts, List<object> rest, bool atStart, bool atEnd, RegexBudget budget)
    {
        bool noEmpty = atStart && atEnd && parts.All(part => part is string);
        var regex = new StringBuilder();
        for (int i = 0; i < parts.Count; i++)
        {
            if (parts[i] is string plain)
            {
                regex.Append(budget.Spend(PlainToRegex(plain, noEmpty)));
                continue;
            }

            var extglob = (Extglob)parts[i];
            bool extglobAtStart = atStart && parts.Take(i).All(part => part is Extglob { Operator: '!' });
            List<object> after = [.. parts[(i + 1)..], .. rest];
            if (extglob.Operator == '!' && extglob.EndsWithoutText)
            {
                regex.Append(budget.Spend(AnyCharacter + "+"));
            }
            else if (extglob.Operator == '!')
            {
                regex.Append(budget.Spend("(?:(?!(?:"));
                for (int j = 0; j < extglob.Alternatives.Count; j++)
                {
                    regex.Append(budget.Spend(j == 0 ? "" : "|"))
                        .Append(Compile([.. extglob.Alternatives[j], .. after], [], j == 0 && extglobAtStart, atEnd: true, budget))
                        .Append(budget.Spend("(?:$|/)"));
                }

                regex.Append(budget.Spend($")){AnyCharacter}*)"));
            }
            else
            {
                bool extglobAtEnd = atEnd && i == parts.Count - 1;
                regex.Append(budget.Spend("(?:"));
                for (int j = 0; j < extglob.Alternatives.Count; j++)
                {
                    regex.Append(budget.Spend(j == 0 ? "" : "|"))
                        .Append(Compile(extglob.Alternatives[j], after, j == 0 && extglobAtStart, extglobAtEnd, budget));
                }

                regex.Append(budget.Spend(extglob.Operator == '@' ? ")" : ")" + extglob.Operator));
            }
        }

        return regex.ToString();
    }

    /// <summary>Plain glob text: <c>*</c>, <c>?</c>, classes and escapes; everything else matches itself.</summary>
    private static string PlainToRegex(string glob, bool noEmpty)
    {
        var regex = new StringBuilder();
        bool escaping = false, inStar = false;
        for (int i = 0; i < glob.Length; i++)
        {
            char c = glob[i];
            if (escaping)
            {
                escaping = false;
                regex.Append(Regex.Escape(c.ToString()));
                continue;
            }

            if (c == '*')
            {
                if (!inStar)
                {
                    // "a**b" is one star inside a segment
                    regex.Append(AnyCharacter).Append(noEmpty && glob.All(g => g == '*') ? '+' : '*');
                }

                inStar = true;
                continue;
            }

            inStar = false;
            if (c == '\\')
            {
                if (i == glob.Length - 1)
                {
                    regex.Append(@"\\");
                }
                else
                {
                    escaping = true;
                }
            }
            else if (c == '[' && GlobCharacterClass.ToRegex(glob, i) is var (source, consumed) && consumed > 0)
            {
                regex.Append(source);
                i += consumed - 1;
            }
            else
            {
                regex.Append(c == '?' ? AnyCharacter : Regex.Escape(c.ToString()));
            }
        }

        return regex.ToString();
    }
}
