using System.ComponentModel;
using System.Text.RegularExpressions;
using ModelContextProtocol.Server;

namespace Switchboard.Servers.Utilities.Text;

/// <summary>.NET regular expressions, each run under a match time limit.</summary>
[McpServerToolType]
internal static class RegexTools
{
    private const string FlagsDescription = "Options as letters: i ignore case, m multiline (^ $ match at line breaks), s singleline (. matches \\n), x ignore pattern whitespace, n explicit capture only. Default none.";

    [McpServerTool(Name = "regex_match", ReadOnly = true, Idempotent = true, OpenWorld = false, Destructive = false, UseStructuredContent = true)]
    [Description("Finds the matches of a .NET regular expression in a text. Returns each match's value, index and length (in UTF-16 code units) and its capture groups (numbered and named). Runs under a time limit: a pattern that backtracks catastrophically is stopped with an error.")]
    public static RegexMatchResult Match(
        [Description(".NET regular expression syntax, e.g. \"(?<year>\\\\d{4})-(?<month>\\\\d{2})\". At most 4096 characters.")] string pattern,
        [Description("The text to search. At most 1 MiB.")] string input,
        [Description(FlagsDescription)] string flags = "",
        [Description("Most matches to return, 1 to 1000. Default 100.")] int maxMatches = 100,
        [Description("Time limit in milliseconds, 1 to 5000. Default 1000.")] int timeoutMs = Limits.DefaultRegexTimeoutMs)
    {
        Limits.RequireLength(input, nameof(input));
        Limits.RequireRange(maxMatches, nameof(maxMatches), 1, Limits.MaxResults);
        var regex = Create(pattern, flags, timeoutMs);
        var matches = new List<RegexMatchItem>();
        bool truncated = false;
        try
        {
            for (var match = regex.Match(input); match.Success; match = match.NextMatch())
            {
                if (matches.Count == maxMatches)
                {
                    truncated = true;
                    break;
                }

                var groups = new List<RegexGroupItem>();
                for (int g = 1; g < match.Groups.Count; g++)
                {
                    var group = match.Groups[g];
                    groups.Add(new RegexGroupItem(group.Name, group.Success, group.Success ? group.Value : null, group.Success ? group.Index : null));
                }

                matches.Add(new RegexMatchItem(match.Value, match.Index, match.Length, groups));
            }
        }
        catch (RegexMatchTimeoutException)
        {
            ToolError.RegexTimedOut(regex.MatchTimeout);
        }

        return new RegexMatchResult(matches.Count, matches, truncated);
    }

    [McpServerTool(Name = "regex_replace", ReadOnly = true, Idempotent = true, OpenWorld = false, Destructive = false, UseStructuredContent = true)]
    [Description("Replaces matches of a .NET regular expression in a text and returns the new text and how many replacements were made. The replacement may use $1, ${name}, $0 (whole match) and $$ (a literal $). Runs under a time limit like regex_match.")]
    public static RegexReplaceResult Replace(
        [Description(".NET regular expression syntax. At most 4096 characters.")] string pattern,
        [Description("The text to change. At most 1 MiB.")] string input,
        [Description("The replacement pattern, e.g. \"${month}/${year}\".")] string replacement,
        [Description(FlagsDescription)] string flags = "",
        [Description("Most replacements to make, counted from the start; -1 (default) replaces every match.")] int count = -1,
        [Description("Time limit in milliseconds, 1 to 5000. Default 1000.")] int timeoutMs = Limits.DefaultRegexTimeoutMs)
    {
        Limits.RequireLength(input, nameof(input));
        Limits.RequireLength(replacement, nameof(replacement), Limits.MaxPatternChars);
        if (count < -1)
        {
            ToolError.Throw($"'count' must be -1 (replace all) or a non-negative number; it was {count}.");
        }

        var regex = Create(pattern, flags, timeoutMs);
        const int maxResultChars = Limits.MaxInputChars * 4;
        int replaced = 0;
        long resultChars = input.Length;
        string result = string.Empty;
        try
        {
            result = regex.Replace(input, match =>
            {
                replaced++;
                string replacementText = match.Result(replacement);
                // Checked per match: building an over-long result first would take gigabytes before the check.
                resultChars += replacementText.Length - match.Length;
                if (resultChars > maxResultChars)
                {
                    ToolError.Throw($"The result would be over the {maxResultChars:N0}-character limit (passed at replacement {replaced:N0}). Replace fewer matches or use a shorter replacement.");
                }

                return replacementText;
            }, count);
        }
        catch (RegexMatchTimeoutException)
        {
            ToolError.RegexTimedOut(regex.MatchTimeout);
        }

        return new RegexReplaceResult(replaced, result);
    }

    private static Regex Create(string pattern, string flags, int timeoutMs)
    {
        Limits.RequireLength(pattern, nameof(pattern), Limits.MaxPatternChars);
        Limits.RequireRange(timeoutMs, nameof(timeoutMs), 1, Limits.MaxRegexTimeoutMs);
        var options = RegexOptions.CultureInvariant;
        foreach (char flag in flags ?? string.Empty)
        {
            options |= flag switch
            {
                'i' => RegexOptions.IgnoreCase,
                'm' => RegexOptions.Multiline,
                's' => RegexOptions.Singleline,
                'x' => RegexOptions.IgnorePatternWhitespace,
                'n' => RegexOptions.ExplicitCapture,
                _ => ToolError.Throw<RegexOptions>($"Unknown regex flag '{flag}'. Use any of i, m, s, x, n."),
            };
        }

        try
        {
            return new Regex(pattern, options, TimeSpan.FromMilliseconds(timeoutMs));
        }
        catch (ArgumentException ex)
        {
            return ToolError.Throw<Regex>($"'pattern' is not a valid .NET regular expression: {ex.Message}");
        }
    }
}

/// <summary>The matches of a regular expression.</summary>
/// <param name="Count">How many matches are listed.</param>
/// <param name="Matches">Each match, in order.</param>
/// <param name="Truncated">True when more matches existed beyond maxMatches.</param>
internal sealed record RegexMatchResult(int Count, IReadOnlyList<RegexMatchItem> Matches, bool Truncated);

/// <summary>One match.</summary>
/// <param name="Value">The matched text.</param>
/// <param name="Index">Where it starts, in UTF-16 code units from 0.</param>
/// <param name="Length">Its length in UTF-16 code units.</param>
/// <param name="Groups">Capture groups 1…n (named groups by name).</param>
internal sealed record RegexMatchItem(string Value, int Index, int Length, IReadOnlyList<RegexGroupItem> Groups);

/// <summary>One capture group of a match.</summary>
/// <param name="Name">The group's name, or its number as text.</param>
/// <param name="Success">Whether the group took part in the match.</param>
/// <param name="Value">The captured text, or null.</param>
/// <param name="Index">Where the capture starts, or null.</param>
internal sealed record RegexGroupItem(string Name, bool Success, string? Value = null, int? Index = null);

/// <summary>The result of a replacement.</summary>
/// <param name="Replacements">How many matches were replaced.</param>
/// <param name="Result">The text after replacement.</param>
internal sealed record RegexReplaceResult(int Replacements, string Result);
