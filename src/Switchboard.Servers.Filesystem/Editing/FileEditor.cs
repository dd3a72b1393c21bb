namespace Switchboard.Servers.Filesystem.Editing;

/// <summary>One replacement of edit_file.</summary>
internal sealed record TextEdit(string OldText, string NewText);

/// <summary>
/// edit_file's matching, as the reference server does it: line endings normalized to <c>\n</c>; each edit in order
/// replaces the first exact occurrence of its old text, or else the first run of lines equal to it once each line is
/// trimmed, re-indenting the new text to the matched block's first line; an edit that matches nothing fails the call.
/// </summary>
internal static class FileEditor
{
    public static string Apply(string content, IEnumerable<TextEdit> edits, CancellationToken cancellationToken)
    {
        string modified = content;
        foreach (var edit in edits)
        {
            string oldText = NormalizeLineEndings(edit.OldText);
            string newText = NormalizeLineEndings(edit.NewText);
            int index = modified.IndexOf(oldText, StringComparison.Ordinal);
            if (index >= 0)
            {
                modified = string.Concat(modified.AsSpan(0, index), newText, modified.AsSpan(index + oldText.Length));
                continue;
            }

            string[] oldLines = oldText.Split('\n');
            var contentLines = modified.Split('\n').ToList();
            bool found = false;
            for (int i = 0; i <= contentLines.Count - oldLines.Length; i++)
            {
                cancellationToken.ThrowIfCancellationRequested(); // lines x old lines when most lines nearly match
                if (!oldLines.Select((line, j) => JsTrim(line) == JsTrim(contentLines[i + j])).All(equal => equal))
                {
                    continue;
                }

                string originalIndent = LeadingWhitespace(contentLines[i]);
                var newLines = newText.Split('\n').Select((line, j) =>
                {
                    if (j == 0)
                    {
                        return originalIndent + JsTrimStart(line);
                    }

                    // Later lines keep their indentation relative to the old text's, on top of the matched block's.
                    string oldIndent = j < oldLines.Length ? LeadingWhitespace(oldLines[j]) : "";
                    string newIndent = LeadingWhitespace(line);
                    return oldIndent.Length > 0 && newIndent.Length > 0
                        ? originalIndent + new string(' ', Math.Max(0, newIndent.Length - oldIndent.Length)) + JsTrimStart(line)
                        : line;
                }).ToList();
                contentLines.RemoveRange(i, oldLines.Length);
                contentLines.InsertRange(i, newLines);
                modified = string.Join('\n', contentLines);
                found = true;
                break;
            }

            if (!found)
            {
                ToolFailure.Throw($"Could not find exact match for edit:\n{edit.OldText}");
            }
        }

        return modified;
    }

    public static string NormalizeLineEndings(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);

    /// <summary>edit_file's result: the patch in a fenced <c>diff</c> block with enough backticks to hold it.</summary>
    public static string FencedDiff(string fileName, string original, string modified, CancellationToken cancellationToken)
    {
        string patch = UnifiedPatch.Create(fileName, NormalizeLineEndings(original), NormalizeLineEndings(modified), cancellationToken);
        int backticks = 3;
        while (patch.Contains(new string('`', backticks), StringComparison.Ordinal))
        {
            backticks++;
        }

        string fence = new('`', backticks);
        return $"{fence}diff\n{patch}{fence}\n\n";
    }

    // JavaScript's \s and String.prototype.trim: Unicode white space plus line terminators and U+FEFF.
    private static bool IsJsWhitespace(char c) => char.IsWhiteSpace(c) || c == '\uFEFF';

    private static string JsTrim(string text) => JsTrimStart(text).TrimEnd().TrimEnd('\uFEFF').TrimEnd();

    private static string JsTrimStart(string text)
    {
        int start = 0;
        while (start < text.Length && IsJsWhitespace(text[start]))
        {
            start++;
        }

        return text[start..];
    }

    private static string LeadingWhitespace(string text) => text[..(text.Length - JsTrimStart(text).Length)];
}
