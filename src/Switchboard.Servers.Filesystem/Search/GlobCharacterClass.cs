using System.Text;
using System.Text.RegularExpressions;

namespace Switchboard.Servers.Filesystem.Search;

/// <summary>
/// A glob's <c>[...]</c> class as minimatch's parseClass reads it: ranges (a backwards one is dropped), <c>!</c> or
/// <c>^</c> negation, <c>\</c> escapes, a leading <c>]</c> as a member, and POSIX classes as Unicode categories.
/// </summary>
internal static class GlobCharacterClass
{
    private const string NeverMatches = "(?!)";

    // POSIX class → (Unicode categories, whether the class is the complement of them), as minimatch translates them.
    private static readonly (string Name, string Members, bool Negated)[] PosixClasses =
    [
        ("[:alnum:]", @"\p{L}\p{Nl}\p{Nd}", false), ("[:alpha:]", @"\p{L}\p{Nl}", false), ("[:ascii:]", @"\x00-\x7f", false),
        ("[:blank:]", @"\p{Zs}\t", false), ("[:cntrl:]", @"\p{Cc}", false), ("[:digit:]", @"\p{Nd}", false),
        ("[:graph:]", @"\p{Z}\p{C}", true), ("[:lower:]", @"\p{Ll}", false), ("[:print:]", @"\p{C}", false),
        ("[:punct:]", @"\p{P}", false), ("[:space:]", @"\p{Z}\t\r\n\v\f", false), ("[:upper:]", @"\p{Lu}", false),
        ("[:word:]", @"\p{L}\p{Nl}\p{Nd}\p{Pc}", false), ("[:xdigit:]", "A-Fa-f0-9", false),
    ];

    /// <summary>
    /// The class that opens at <paramref name="open"/> as minimatch's parseClass reads it, and how many characters it
    /// takes; none when it never closes, so its '[' is a plain character.
    /// </summary>
    public static (string Source, int Consumed) ToRegex(string glob, int open)
    {
        var ranges = new StringBuilder();
        var complements = new StringBuilder();
        int rangeCount = 0, i = open + 1, end = -1;
        bool negated = false, escaping = false, sawMember = false;
        char? rangeStart = null;
        while (i < glob.Length)
        {
            char c = glob[i];
            if (c is '!' or '^' && i == open + 1)
            {
                negated = true;
                i++;
                continue;
            }

            if (c == ']' && sawMember && !escaping)
            {
                end = i + 1;
                break;
            }

            sawMember = true;
            if (c == '\\' && !escaping)
            {
                escaping = true;
                i++;
                continue;
            }

            if (c == '[' && !escaping && PosixClasses.FirstOrDefault(p => glob.AsSpan(i).StartsWith(p.Name, StringComparison.Ordinal)) is { Name: not null } posix)
            {
                if (rangeStart is not null)
                {
                    return (NeverMatches, glob.Length - open); // "[a-[:alpha:]]" is invalid and spoils the pattern
                }

                (posix.Negated ? complements : ranges).Append(posix.Members);
                rangeCount += posix.Negated ? 0 : 1;
                i += posix.Name.Length;
                continue;
            }

            escaping = false;
            if (rangeStart is { } from)
            {
                if (c >= from)
                {
                    ranges.Append(ClassEscape(from)).Append(c > from ? "-" + ClassEscape(c) : "");
                    rangeCount++;
                }

                rangeStart = null; // a backwards range ("z-a") is dropped; the rest of the class still counts
                i++;
            }
            else if (glob.AsSpan(i + 1).StartsWith("-]", StringComparison.Ordinal))
            {
                ranges.Append(ClassEscape(c)).Append(@"\-");
                rangeCount++;
                i += 2;
            }
            else if (glob.AsSpan(i + 1).StartsWith("-", StringComparison.Ordinal))
            {
                rangeStart = c;
                i += 2;
            }
            else
            {
                ranges.Append(ClassEscape(c));
                rangeCount++;
                i++;
            }
        }

        if (end < 0)
        {
            return ("", 0);
        }

        if (ranges.Length == 0 && complements.Length == 0)
        {
            return (NeverMatches, end - open);
        }

        string members = ranges.ToString();
        if (!negated && complements.Length == 0 && rangeCount == 1 && (members.Length == 1 || (members.Length == 2 && members[0] == '\\')))
        {
            return (Regex.Escape(members[^1].ToString()), end - open); // "[*]" is just a '*'
        }

        string positive = $"[{(negated ? "^" : "")}{members}]", complement = $"[{(negated ? "" : "^")}{complements}]";
        string either = members.Length > 0 && complements.Length > 0 ? $"(?:{positive}|{complement})" : members.Length > 0 ? positive : complement;
        return ("(?!/)" + either, end - open);
    }

    private static string ClassEscape(char c) => c is '[' or ']' or '\\' or '-' ? "\\" + c : c.ToString();
}
