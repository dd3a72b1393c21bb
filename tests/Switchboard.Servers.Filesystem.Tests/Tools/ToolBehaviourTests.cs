namespace Switchboard.Servers.Filesystem.Tests.Tools;

public sealed class ToolBehaviourTests : IDisposable
{
    private readonly FilesystemTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [Fact]
    public async Task ListTools_Default_OffersTheReferenceToolSet()
    {
        await using var mcp = await _tree.ConnectAsync();
        var tools = await mcp.Client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(
            ["create_directory", "directory_tree", "edit_file", "get_file_info", "list_allowed_directories", "list_directory", "list_directory_with_sizes", "move_file", "read_file", "read_media_file", "read_multiple_files", "read_text_file", "search_files", "write_file"],
            tools.Select(t => t.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ListTools_ReadOnly_LeavesOutEveryWritingTool()
    {
        await using var mcp = await _tree.ConnectAsync(readOnly: true);
        var tools = await mcp.Client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Empty(tools.Select(t => t.Name).Intersect(FilesystemServer.WritingTools));
        Assert.Equal(10, tools.Count);
        Assert.All(tools, t => Assert.True(t.ProtocolTool.Annotations?.ReadOnlyHint));
    }

    [Fact]
    public async Task CallTool_WriteFileWhenReadOnly_IsUnknownAndWritesNothing()
    {
        await using var mcp = await _tree.ConnectAsync(readOnly: true);
        await Assert.ThrowsAnyAsync<Exception>(async () => await mcp.CallAsync("write_file", new { path = _tree.InRoot("x.txt"), content = "x" }));
        Assert.False(File.Exists(_tree.InRoot("x.txt")));
    }

    [Fact]
    public async Task WriteFile_ExistingFile_ReplacesAtomicallyAndKeepsPermissions()
    {
        string path = _tree.InRoot("hello.txt");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        await using var mcp = await _tree.ConnectAsync();
        await mcp.TextAsync("write_file", new { path, content = "new" });
        Assert.Equal("new", File.ReadAllText(path));
        Assert.Empty(Directory.EnumerateFiles(_tree.Root, "*.tmp"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Theory]
    [InlineData(255, 'a')] // the longest name a Linux file system takes, in bytes
    [InlineData(127, 'é')] // 254 bytes of two-byte characters
    public async Task WriteFile_TheLongestNameTheFileSystemTakes_IsWritten(int count, char letter)
    {
        // The temporary file beside the target must fit in a name too: its own name once went 37 bytes past the target's.
        string path = _tree.InRoot(new string(letter, count));
        await using var mcp = await _tree.ConnectAsync();

        await mcp.TextAsync("write_file", new { path, content = "long" });

        Assert.Equal("long", await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!).Where(f => Path.GetFileName(f).StartsWith(letter)));
    }

    [Fact]
    public async Task ReadTextFile_OverLimit_FailsWithTheLimitNamed()
    {
        var options = new FilesystemOptions { MaxReadBytes = 100 };
        options.Roots.Add(_tree.Root);
        await using var mcp = await Switchboard.Testing.InMemoryMcp.ConnectAsync(FilesystemServer.CreateCatalog(options), cancellationToken: TestContext.Current.CancellationToken);
        string error = await mcp.ErrorAsync("read_text_file", new { path = _tree.InRoot("big.txt") });
        Assert.Contains("MaxReadBytes", error, StringComparison.Ordinal);
        Assert.Equal("line 400\n", await mcp.TextAsync("read_text_file", new { path = _tree.InRoot("big.txt"), tail = 2 }));
    }

    [Fact]
    public async Task WriteFile_OverLimit_FailsAndWritesNothing()
    {
        var options = new FilesystemOptions { MaxWriteBytes = 4 };
        options.Roots.Add(_tree.Root);
        await using var mcp = await Switchboard.Testing.InMemoryMcp.ConnectAsync(FilesystemServer.CreateCatalog(options), cancellationToken: TestContext.Current.CancellationToken);
        string error = await mcp.ErrorAsync("write_file", new { path = _tree.InRoot("w.txt"), content = "too long" });
        Assert.Contains("MaxWriteBytes", error, StringComparison.Ordinal);
        Assert.False(File.Exists(_tree.InRoot("w.txt")));
    }

    [Fact]
    public async Task DirectoryTree_TooDeep_FailsWithTheLimitNamed()
    {
        Directory.CreateDirectory(_tree.InRoot("a/b/c/d/e"));
        var options = new FilesystemOptions { MaxTreeDepth = 3 };
        options.Roots.Add(_tree.Root);
        await using var mcp = await Switchboard.Testing.InMemoryMcp.ConnectAsync(FilesystemServer.CreateCatalog(options), cancellationToken: TestContext.Current.CancellationToken);
        string error = await mcp.ErrorAsync("directory_tree", new { path = _tree.InRoot("a") });
        Assert.Contains("MaxTreeDepth", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListDirectory_TooManyEntries_FailsWithTheLimitNamed()
    {
        var options = new FilesystemOptions { MaxEntries = 3 };
        options.Roots.Add(_tree.Root);
        await using var mcp = await Switchboard.Testing.InMemoryMcp.ConnectAsync(FilesystemServer.CreateCatalog(options), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains("MaxEntries", await mcp.ErrorAsync("list_directory", new { path = _tree.Root }), StringComparison.Ordinal);
        Assert.Contains("MaxEntries", await mcp.ErrorAsync("search_files", new { path = _tree.Root, pattern = "**" }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SearchFiles_ManyExtglobNegations_RefusedAsTooComplexInBoundedTime()
    {
        // Each !(a) doubled the regex built before its size was checked: 23 took 11 s and 1.2 GB, 40 would never end.
        string pattern = string.Concat(Enumerable.Repeat("!(a)", 40));
        await using var mcp = await _tree.ConnectAsync();
        string error = await mcp.ErrorAsync("search_files", new { path = _tree.Root, pattern }).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.Contains("too complex", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DirectoryTree_ManyExtglobNegationsInAnExclude_RefusedAsTooComplexInBoundedTime()
    {
        string exclude = string.Concat(Enumerable.Repeat("!(a)", 40));
        await using var mcp = await _tree.ConnectAsync();
        string error = await mcp.ErrorAsync("directory_tree", new { path = _tree.Root, excludePatterns = new[] { exclude } }).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.Contains("too complex", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EditFile_EveryLineReplacedInABigFile_GivesOneRemoveAndAddHunkInBoundedTime()
    {
        // Replacing every line makes the Myers diff do lines x edits of work: minutes for 40,000 lines, unbounded.
        const int Lines = 40_000;
        string oldBody = string.Concat(Enumerable.Range(1, Lines).Select(i => $"a{i}\n"));
        string newBody = string.Concat(Enumerable.Range(1, Lines).Select(i => $"b{i}\n"));
        string original = "keep 1\nkeep 2\nkeep 3\nkeep 4\nkeep 5\n" + oldBody + "end\n";
        string path = _tree.InRoot("edit-big.txt");
        File.WriteAllText(path, original);

        await using var mcp = await _tree.ConnectAsync();
        string diff = await mcp.TextAsync("edit_file", new { path, edits = new[] { new { oldText = oldBody, newText = newBody } }, dryRun = true })
            .WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        // What the reference's unbounded diff gives too: no line of the middle is common, so all go, then all come.
        string expectedHunk = $"@@ -2,{Lines + 5} +2,{Lines + 5} @@\n keep 2\n keep 3\n keep 4\n keep 5\n"
            + string.Concat(Enumerable.Range(1, Lines).Select(i => $"-a{i}\n"))
            + string.Concat(Enumerable.Range(1, Lines).Select(i => $"+b{i}\n"))
            + " end\n";
        Assert.Contains(expectedHunk, diff, StringComparison.Ordinal);
        Assert.Equal(1, diff.Split("\n@@ ").Length - 1);
        Assert.Equal(original, File.ReadAllText(path));
    }

    [Fact]
    public void Validator_NoRootsAndBadLimits_ExplainsWhatToFix()
    {
        var options = new FilesystemOptions { MaxEntries = 0, SearchTimeBudget = TimeSpan.Zero };
        var result = new FilesystemOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains("Roots is empty", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("MaxEntries", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("SearchTimeBudget", result.FailureMessage, StringComparison.Ordinal);
    }
}
