using System.Text;
using System.Text.RegularExpressions;

namespace Switchboard.Servers.Filesystem.Search;

/// <summary>
/// A glob matched against a relative path the way the reference server's <c>minimatch(path, pattern, { dot: true })</c>
/// (minimatch 10) does: a leading <c>#</c> makes a comment that matches nothing, leading <c>!</c>s negate, braces
/// expand (<see cref="BraceExpansion"/>), runs of <c>/</c> count as one, <c>x/..</c> cancels out, a segment that is
/// exactly <c>**</c> spans any number of segments (at least one when it ends the pattern: <c>docs/**</c> matches what
/// is below <c>docs</c>, not <c>docs</c> itself), and every other segment is matched on its own
/// (<see cref="GlobSegment"/>). Dot files match like any other.
/// </summary>
internal sealed partial class Glob
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);
    private const int MaxRegexLength = 64 * 1024; // per brace alternative; extglob negations copy what follows them, so size can grow fast
    private readonly Regex[] _alternatives;
    private readonly bool _negated;

    private Glob(Regex[] alternatives, bool negated)
    {
        _alternatives = alternatives;
        _negated = negated;
    }

    public static Glob Parse(string pattern, CancellationToken cancellationToken)
    {
        if (pattern.StartsWith('#'))
        {
            return new Glob([], negated: false);
        }

        bool negated = false;
        int start = 0;
        while (start < pattern.Length && pattern[start] == '!')
        {
            negated = !negated;
            start++;
        }

        var alternatives = BraceExpansion.Expand(pattern[start..])
            .Distinct(StringComparer.Ordinal)
            .Select(alternative => new Regex(ToRegex(alternative, new RegexBudget(MaxRegexLength, pattern, cancellationToken)), RegexOptions.CultureInvariant | RegexOptions.Singleline, MatchTimeout))
            .ToArray();
        return new Glob(alternatives, negated);
    }

    public bool IsMatch(string relativePath)
    {
        bool matched = _alternatives.Any(regex => regex.IsMatch(relativePath));
        return matched != _negated;
    }

    private static string ToRegex(string alternative, RegexBudget budget)
    {
        var segments = Simplify(MultipleSlashes().Split(alternative));
        var regex = new StringBuilder(budget.Spend("^"));
        bool needSlash = false;
        for (int i = 0; i < segments.Count; i++)
        {
            if (segments[i] != "**")
            {
                regex.Append(budget.Spend(needSlash ? "/" : "")).Append(GlobSegment.ToRegex(segments[i], budget));
                needSlash = true;
            }
            else if (i < segments.Count - 1)
            {
                regex.Append(budget.Spend(needSlash ? "/(?:[^/]+/)*" : "(?:[^/]+/)*"));
                needSlash = false;
            }
            else
            {
                regex.Append(budget.Spend(needSlash ? "/.*" : ".*"));
            }
        }

        return regex.Append(@"\z").ToString();
    }

    /// <summary>minimatch's first optimization: <c>**/**</c> is <c>**</c>, and <c>a/..</c> cancels out unless <c>a</c> is <c>.</c>, <c>..</c> or <c>**</c>.</summary>
    private static List<string> Simplify(string[] segments)
    {
        var simplified = new List<string>();
        foreach (string segment in segments)
        {
            string? previous = simplified.Count > 0 ? simplified[^1] : null;
            if (segment == "**" && previous == "**")
            {
                continue;
            }

            if (segment == ".." && previous is { Length: > 0 } and not ("." or ".." or "**"))
            {
                simplified.RemoveAt(simplified.Count - 1);
                continue;
            }

            simplified.Add(segment);
        }

        return simplified.Count == 0 ? [""] : simplified;
    }

    [GeneratedRegex("/+", RegexOptions.CultureInvariant)]
    private static partial Regex MultipleSlashes();
}
