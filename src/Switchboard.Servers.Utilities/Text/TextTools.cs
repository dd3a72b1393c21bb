using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ModelContextProtocol.Server;

namespace Switchboard.Servers.Utilities.Text;

/// <summary>Counting and slugs.</summary>
[McpServerToolType]
internal static partial class TextTools
{
    [McpServerTool(Name = "text_count", ReadOnly = true, Idempotent = true, OpenWorld = false, Destructive = false, UseStructuredContent = true)]
    [Description("Counts a text: characters as a person sees them (grapheme clusters: an emoji or an accented letter counts once), Unicode code points, UTF-16 code units (what most string length functions return), UTF-8 bytes, words (runs of letters, digits, apostrophes and hyphens), lines, sentences, paragraphs, and an approximate LLM token count (about 4 characters per token for English; real tokenizers differ by model, so treat it as an estimate).")]
    public static TextCounts Count(
        [Description("The text to count. At most 1 MiB.")] string text)
    {
        Limits.RequireLength(text, nameof(text));
        int graphemes = new StringInfo(text).LengthInTextElements;
        int codePoints = text.EnumerateRunes().Count();
        int words = WordPattern().Count(text);
        int lines = text.Length == 0 ? 0 : text.AsSpan().Count('\n') + (text.EndsWith('\n') ? 0 : 1);
        int sentences = SentencePattern().Count(text);
        int paragraphs = ParagraphSplit().Split(text.Trim()).Count(p => p.Trim().Length > 0);
        int nonWhitespace = text.Count(c => !char.IsWhiteSpace(c));

        // Heuristic: BPE tokenizers average ~4 characters or ~0.75 words per token on English prose; take the larger.
        int tokens = text.Length == 0 ? 0 : (int)System.Math.Ceiling(System.Math.Max(text.Length / 4.0, words / 0.75));
        return new TextCounts(graphemes, codePoints, text.Length, System.Text.Encoding.UTF8.GetByteCount(text), nonWhitespace, words, lines, sentences, paragraphs, tokens);
    }

    [McpServerTool(Name = "slugify", ReadOnly = true, Idempotent = true, OpenWorld = false, Destructive = false)]
    [Description("Turns a title into a URL slug: accents removed (é→e, ß→ss, æ→ae, ø→o), lower-case, every run of other characters replaced by the separator, no leading or trailing separator. E.g. 'Crème Brûlée: 10 Best Recipes!' → 'creme-brulee-10-best-recipes'. Letters of non-Latin scripts are kept as they are. Returns the slug.")]
    public static string Slugify(
        [Description("The text to slugify. At most 10,000 characters.")] string text,
        [Description("Separator between words: '-' (default), '_' or '.'.")] string separator = "-",
        [Description("Cut the slug to at most this many characters, at a word boundary when possible; 0 (default) for no limit.")] int maxLength = 0)
    {
        Limits.RequireLength(text, nameof(text), 10_000);
        if (separator is not ("-" or "_" or "."))
        {
            ToolError.Throw("'separator' must be '-', '_' or '.'.");
        }

        Limits.RequireRange(maxLength, nameof(maxLength), 0, 10_000);

        var folded = new StringBuilder(text.Length);
        foreach (char c in text.Normalize(NormalizationForm.FormKD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            folded.Append(c switch
            {
                'ß' => "ss",
                'æ' or 'Æ' => "ae",
                'œ' or 'Œ' => "oe",
                'ø' or 'Ø' => "o",
                'đ' or 'Đ' => "d",
                'ł' or 'Ł' => "l",
                'þ' or 'Þ' => "th",
                _ => char.ToLowerInvariant(c).ToString(),
            });
        }

        string slug = NonWord().Replace(folded.ToString(), separator).Trim(separator[0]);
        if (maxLength > 0 && slug.Length > maxLength)
        {
            int cut = slug.LastIndexOf(separator[0], maxLength);
            slug = (cut > 0 ? slug[..cut] : slug[..maxLength]).Trim(separator[0]);
        }

        return slug.Length == 0
            ? ToolError.Throw<string>("'text' has no letters or digits to make a slug from.")
            : slug;
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+(?:['’\-][\p{L}\p{N}]+)*", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 5000)]
    private static partial Regex WordPattern();

    [GeneratedRegex(@"[^.!?\s][^.!?]*(?:[.!?]+|$)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 5000)]
    private static partial Regex SentencePattern();

    [GeneratedRegex(@"\r?\n\s*\r?\n", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 5000)]
    private static partial Regex ParagraphSplit();

    [GeneratedRegex(@"[^\p{L}\p{N}]+", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 5000)]
    private static partial Regex NonWord();
}

/// <summary>Counts of a text.</summary>
/// <param name="Characters">User-perceived characters (extended grapheme clusters).</param>
/// <param name="CodePoints">Unicode scalar values.</param>
/// <param name="Utf16Units">UTF-16 code units, the usual string length.</param>
/// <param name="Utf8Bytes">Bytes when encoded as UTF-8.</param>
/// <param name="NonWhitespace">UTF-16 code units that are not whitespace.</param>
/// <param name="Words">Words: runs of letters and digits, joined by apostrophes or hyphens.</param>
/// <param name="Lines">Lines (a final line break does not start a new line).</param>
/// <param name="Sentences">Sentences, ended by . ! ? or the end of the text.</param>
/// <param name="Paragraphs">Paragraphs, separated by blank lines.</param>
/// <param name="EstimatedTokens">Approximate LLM tokens; an estimate, not a real tokenizer's count.</param>
internal sealed record TextCounts(int Characters, int CodePoints, int Utf16Units, int Utf8Bytes, int NonWhitespace, int Words, int Lines, int Sentences, int Paragraphs, int EstimatedTokens);
