using System.ComponentModel;
using DiffPlex;
using DiffPlex.Renderer;
using ModelContextProtocol.Server;

namespace Switchboard.Servers.Utilities.Data;

/// <summary>Unified diffs of two texts.</summary>
[McpServerToolType]
internal static class DiffTools
{
    [McpServerTool(Name = "text_diff", ReadOnly = true, Idempotent = true, OpenWorld = false, Destructive = false, UseStructuredContent = true)]
    [Description("Compares two texts line by line (Myers' algorithm) and returns a unified diff ('---'/'+++' headers, '@@ -a,b +c,d @@' hunks, '-' removed, '+' added, ' ' context lines), as 'diff -u' or 'git diff' print it, plus counts of added and removed lines. An empty diff means the texts are equal. At most 256 KiB and 10,000 lines per side.")]
    public static async Task<DiffResult> Diff(
        [Description("The original text.")] string original,
        [Description("The modified text.")] string modified,
        [Description("Unchanged lines shown around each change, 0 to 100. Default 3.")] int contextLines = 3,
        [Description("Name of the original in the '---' header. Default 'original'.")] string originalName = "original",
        [Description("Name of the modified text in the '+++' header. Default 'modified'.")] string modifiedName = "modified",
        [Description("Treat lines that differ only in whitespace as equal. Default false.")] bool ignoreWhitespace = false,
        [Description("Treat lines that differ only in letter case as equal. Default false.")] bool ignoreCase = false,
        CancellationToken cancellationToken = default)
    {
        Limits.RequireLength(original, nameof(original), Limits.MaxDiffChars);
        Limits.RequireLength(modified, nameof(modified), Limits.MaxDiffChars);
        Limits.RequireRange(contextLines, nameof(contextLines), 0, 100);
        Limits.RequireLength(originalName, nameof(originalName), 256);
        Limits.RequireLength(modifiedName, nameof(modifiedName), 256);
        RequireLines(original, nameof(original));
        RequireLines(modified, nameof(modified));

        // DiffPlex reads "a\n" as two lines, the second empty; diff -u reads one line ended by a newline.
        if (original.EndsWith('\n') && modified.EndsWith('\n'))
        {
            original = original[..^1];
            modified = modified[..^1];
        }

        return await Bounded.RunAsync(
            _ =>
            {
                var differ = new Differ();
                string unified = new UnidiffRenderer(differ, contextLines).Generate(original, modified, originalName, modifiedName, ignoreWhitespace, ignoreCase);
                var model = differ.CreateLineDiffs(original, modified, ignoreWhitespace, ignoreCase);
                int added = model.DiffBlocks.Sum(b => b.InsertCountB);
                int removed = model.DiffBlocks.Sum(b => b.DeleteCountA);
                return new DiffResult(added == 0 && removed == 0, added, removed, unified);
            },
            "The diff",
            cancellationToken);
    }

    private static void RequireLines(string text, string parameter)
    {
        int lines = text.AsSpan().Count('\n') + 1;
        if (lines > Limits.MaxDiffLines)
        {
            ToolError.Throw($"'{parameter}' has {lines:N0} lines; the limit is {Limits.MaxDiffLines:N0}. Diff smaller sections.");
        }
    }
}

/// <summary>A unified diff.</summary>
/// <param name="Identical">True when the texts have no differing lines.</param>
/// <param name="LinesAdded">Lines only in the modified text.</param>
/// <param name="LinesRemoved">Lines only in the original text.</param>
/// <param name="Unified">The unified diff text; empty when identical.</param>
internal sealed record DiffResult(bool Identical, int LinesAdded, int LinesRemoved, string Unified);
