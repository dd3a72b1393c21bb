using System.Text.RegularExpressions;

namespace Switchboard.Agents.Runtime;

/// <summary>
/// An agent's tool list: <c>server/tool</c> names where <c>*</c> matches any run of characters within one part
/// (<c>financial/*</c>, <c>*/read_*</c>), and <c>*</c> alone matches every tool. An empty list matches nothing.
/// </summary>
public static class ToolPatterns
{
    /// <summary>Whether <paramref name="target"/> (<c>server/tool</c>) matches one of <paramref name="patterns"/>.</summary>
    public static bool Matches(IReadOnlyList<string> patterns, string target)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        ArgumentNullException.ThrowIfNull(target);
        return patterns.Any(p => p == "*" || Regex.IsMatch(target, "^" + Regex.Escape(p).Replace(@"\*", "[^/]*", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));
    }
}
