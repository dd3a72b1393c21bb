using Switchboard.Testing;

namespace Switchboard.Servers.Filesystem.Tests.Tools;

/// <summary>The tools' text is the same whatever the host's culture: numbers and name order as the reference writes them.</summary>
public sealed class CultureIndependenceTests : IDisposable
{
    private readonly FilesystemTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [Fact]
    public async Task ListDirectoryWithSizes_UnderTurkishCulture_SortsAsLocaleCompareAndWritesDecimalPoints()
    {
        // Root collation (JavaScript's localeCompare) puts "ia" < "ib" < "Iz"; ordinal order and Turkish collation,
        // where I is the capital of dotless ı, both put "Iz" first.
        string directory = _tree.InRoot("sizes");
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, "Iz.txt"), new byte[1536]);
        File.WriteAllBytes(Path.Combine(directory, "ib.txt"), new byte[10]);
        File.WriteAllBytes(Path.Combine(directory, "ia.txt"), []);
        using var turkish = CultureScope.Use("tr-TR");
        await using var mcp = await _tree.ConnectAsync();

        string[] lines = (await mcp.TextAsync("list_directory_with_sizes", new { path = directory })).Split('\n');

        Assert.Equal(["ia.txt", "ib.txt", "Iz.txt"], lines[..3].Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]));
        Assert.EndsWith(" 1.50 KB", lines[2], StringComparison.Ordinal);
        Assert.Equal("Total: 3 files, 0 directories", lines[4]);
        Assert.Equal("Combined size: 1.51 KB", lines[5]);
    }

    [Fact]
    public async Task WriteFile_OverLimitUnderGermanCulture_WritesNumbersWithCommaGroups()
    {
        var options = new FilesystemOptions { MaxWriteBytes = 1000 };
        options.Roots.Add(_tree.Root);
        using var german = CultureScope.Use("de-DE");
        await using var mcp = await InMemoryMcp.ConnectAsync(FilesystemServer.CreateCatalog(options), cancellationToken: TestContext.Current.CancellationToken);

        string error = await mcp.ErrorAsync("write_file", new { path = _tree.InRoot("w.txt"), content = new string('x', 2000) });

        Assert.Contains("Content too large: 2,000 bytes, and the server writes at most 1,000 (MaxWriteBytes)", error, StringComparison.Ordinal);
    }
}
