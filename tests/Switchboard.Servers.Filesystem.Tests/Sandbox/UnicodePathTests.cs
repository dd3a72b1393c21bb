using System.Text;

namespace Switchboard.Servers.Filesystem.Tests.Sandbox;

/// <summary>
/// Paths that differ from plain ones only by Unicode folding. Both checks need ICU: without it (globalization-invariant
/// mode) <see cref="string.Normalize()"/> returns its input, so look-alikes pass and NFC/NFD spellings do not meet.
/// </summary>
public sealed class UnicodePathTests : IDisposable
{
    private readonly FilesystemTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [Theory]
    [InlineData("\uFF0E\uFF0E")] // fullwidth full stops: NFKC ".."
    [InlineData("\u2025")]       // two dot leader: NFKC ".."
    [InlineData("\uFE52\uFE52")] // small full stops: NFKC ".."
    [InlineData("\uFF0E")]       // fullwidth full stop: NFKC "."
    [InlineData("a\uFE68b")]     // small reverse solidus: NFKC "a\b"
    public async Task CreateDirectory_CompatibilityLookAlike_IsRefusedAndCreatesNothing(string lookAlike)
    {
        string[] before = [.. Directory.EnumerateFileSystemEntries(_tree.Root).Order(StringComparer.Ordinal)];
        await using var mcp = await _tree.ConnectAsync();

        string error = await mcp.ErrorAsync("create_directory", new { path = $"{_tree.Root}/{lookAlike}/outside" });

        Assert.Contains("once Unicode compatibility characters are folded", error, StringComparison.Ordinal);
        Assert.Equal(before, Directory.EnumerateFileSystemEntries(_tree.Root).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("\uFF0F")] // fullwidth solidus
    [InlineData("\uFF3C")] // fullwidth reverse solidus
    [InlineData("\u2215")] // division slash
    public async Task ReadFile_SlashLookAlike_IsRefusedByName(string lookAlike)
    {
        await using var mcp = await _tree.ConnectAsync();
        string error = await mcp.ErrorAsync("read_text_file", new { path = $"{_tree.Root}/..{lookAlike}outside{lookAlike}secret.txt" });
        Assert.Contains("a slash look-alike", error, StringComparison.Ordinal);
        Assert.DoesNotContain(FilesystemTree.Secret, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cafe\u0301.txt", "caf\u00E9.txt")] // stored decomposed (as macOS writes it), asked for composed
    [InlineData("caf\u00E9.txt", "cafe\u0301.txt")] // stored composed, asked for decomposed
    public async Task ReadTextFile_OtherNormalizationForm_FindsTheFile(string stored, string requested)
    {
        File.WriteAllText(_tree.InRoot(stored), "crème", new UTF8Encoding(false));
        await using var mcp = await _tree.ConnectAsync();
        Assert.Equal("crème", await mcp.TextAsync("read_text_file", new { path = _tree.InRoot(requested) }));
    }

    [Fact]
    public async Task ReadTextFile_TwoEntriesWithTheSameNfcForm_IsAmbiguous()
    {
        // U+1EAD (a with circumflex and dot below) decomposes with its two marks in canonical order; the other order
        // is a distinct file name on disk with the same NFC form.
        File.WriteAllText(_tree.InRoot("a\u0323\u0302.txt"), "one");
        File.WriteAllText(_tree.InRoot("a\u0302\u0323.txt"), "two");
        await using var mcp = await _tree.ConnectAsync();
        Assert.Contains("Ambiguous Unicode path component", await mcp.ErrorAsync("read_text_file", new { path = _tree.InRoot("\u1EAD.txt") }), StringComparison.Ordinal);
    }
}
