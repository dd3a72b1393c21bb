using System.Text;

namespace Switchboard.Servers.Filesystem.Editing;

/// <summary>
/// jsdiff's <c>createTwoFilesPatch(name, name, old, new, 'original', 'modified')</c>: an <c>Index:</c> line, the
/// underline, <c>---</c>/<c>+++</c> headers, and hunks with 4 lines of context, overlapping hunks joined and
/// <c>\ No newline at end of file</c> where a side does not end with a newline.
/// </summary>
internal static class UnifiedPatch
{
    private const int Context = 4;

    private sealed class Hunk
    {
        public int OldStart { get; set; }

        public int OldLines { get; init; }

        public int NewStart { get; set; }

        public int NewLines { get; init; }

        public required List<string> Lines { get; init; }
    }

    public static string Create(string fileName, string oldText, string newText, CancellationToken cancellationToken)
    {
        var diff = LineDiff.Diff(oldText, newText, cancellationToken);
        diff.Add(new DiffComponent(0, false, false));
        var hunks = new List<Hunk>();
        int oldRangeStart = 0, newRangeStart = 0, oldLine = 1, newLine = 1;
        var range = new List<string>();
        List<string>? previousLines = null;
        for (int i = 0; i < diff.Count; i++)
        {
            var current = diff[i];
            var lines = SplitLines(current.Value, current.Count == 0);
            if (current.Added || current.Removed)
            {
                if (oldRangeStart == 0)
                {
                    oldRangeStart = oldLine;
                    newRangeStart = newLine;
                    if (previousLines is not null)
                    {
                        range = [.. previousLines.Skip(Math.Max(0, previousLines.Count - Context)).Select(l => " " + l)];
                        oldRangeStart -= range.Count;
                        newRangeStart -= range.Count;
                    }
                }

                range.AddRange(lines.Select(l => (current.Added ? "+" : "-") + l));
                if (current.Added)
                {
                    newLine += lines.Count;
                }
                else
                {
                    oldLine += lines.Count;
                }
            }
            else
            {
                if (oldRangeStart != 0)
                {
                    if (lines.Count <= Context * 2 && i < diff.Count - 2)
                    {
                        range.AddRange(lines.Select(l => " " + l));
                    }
                    else
                    {
                        int contextSize = Math.Min(lines.Count, Context);
                        range.AddRange(lines.Take(contextSize).Select(l => " " + l));
                        hunks.Add(new Hunk
                        {
                            OldStart = oldRangeStart,
                            OldLines = oldLine - oldRangeStart + contextSize,
                            NewStart = newRangeStart,
                            NewLines = newLine - newRangeStart + contextSize,
                            Lines = range,
                        });
                        oldRangeStart = 0;
                        newRangeStart = 0;
                        range = [];
                    }
                }

                oldLine += lines.Count;
                newLine += lines.Count;
            }

            previousLines = lines;
        }

        var text = new StringBuilder();
        text.Append("Index: ").Append(fileName).Append('\n');
        text.Append("===================================================================\n");
        text.Append("--- ").Append(fileName).Append("\toriginal\n");
        text.Append("+++ ").Append(fileName).Append("\tmodified\n");
        foreach (var hunk in hunks)
        {
            // Unified diff quirk: an empty side's start is one lower than one would expect.
            text.Append("@@ -").Append(hunk.OldLines == 0 ? hunk.OldStart - 1 : hunk.OldStart).Append(',').Append(hunk.OldLines)
                .Append(" +").Append(hunk.NewLines == 0 ? hunk.NewStart - 1 : hunk.NewStart).Append(',').Append(hunk.NewLines).Append(" @@\n");
            foreach (string line in hunk.Lines)
            {
                if (line.EndsWith('\n'))
                {
                    text.Append(line.AsSpan(0, line.Length - 1)).Append('\n');
                }
                else
                {
                    text.Append(line).Append('\n').Append("\\ No newline at end of file\n");
                }
            }
        }

        return text.ToString();
    }

    // jsdiff's splitLines: each line keeps its "\n"; the last keeps none when the text does not end with one.
    private static List<string> SplitLines(string text, bool sentinel)
    {
        if (sentinel)
        {
            return [];
        }

        var result = text.Split('\n').Select(line => line + "\n").ToList();
        if (text.EndsWith('\n'))
        {
            result.RemoveAt(result.Count - 1);
        }
        else
        {
            result[^1] = result[^1][..^1];
        }

        return result;
    }
}
