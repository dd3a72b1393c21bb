using System.Diagnostics;
using Switchboard.Servers.Filesystem.Sandbox;

namespace Switchboard.Servers.Filesystem.Tests.Sandbox;

/// <summary>
/// Hostile paths against every tool that takes a path. Each call must be refused, and the real file system must show
/// that nothing outside the root was read (the secret never appears), written, listed or moved.
/// </summary>
public sealed class SandboxEscapeTests : IDisposable
{
    private readonly FilesystemTree _tree = new();

    public SandboxEscapeTests()
    {
        Directory.CreateDirectory(_tree.Root + "evil");
        File.WriteAllText(Path.Combine(_tree.Root + "evil", "secret.txt"), FilesystemTree.Secret);
        File.CreateSymbolicLink(_tree.InRoot("chain1"), "chain2");
        File.CreateSymbolicLink(_tree.InRoot("chain2"), "../outside/secret.txt");
        File.CreateSymbolicLink(_tree.InRoot("loop"), "loop");
        File.CreateSymbolicLink(_tree.InRoot("dev-link"), "/dev/zero");
        File.CreateSymbolicLink(_tree.InRoot("dangling-outside"), "../outside/created-through-link.txt");
        if (OperatingSystem.IsLinux())
        {
            using var mkfifo = Process.Start("mkfifo", [_tree.InRoot("pipe")]);
            mkfifo.WaitForExit();
        }
    }

    public void Dispose()
    {
        Directory.Delete(_tree.Root + "evil", recursive: true);
        _tree.Dispose();
    }

    /// <summary>Hostile paths; {R} is the root, {O} the directory beside it.</summary>
    public static IReadOnlyList<string> HostilePaths { get; } =
    [
        "{O}/secret.txt",                        // absolute path outside
        "{R}/../outside/secret.txt",             // .. escape
        "{R}/docs/nested/../../../outside/secret.txt", // deeper .. escape
        "../outside/secret.txt",                 // relative .. escape
        "{R}/link-outside",                      // symlink to a file outside
        "{R}/dir-link-outside/dir/inner.txt",    // symlinked parent outside
        "{R}/dir-link-outside",                  // symlink to a directory outside
        "{R}/chain1",                            // chain of links ending outside
        "{R}/loop",                              // link loop
        "{R}/dev-link",                          // link to a device
        "{R}/dangling-outside",                  // dangling link whose target is outside
        "/etc/passwd",                           // system file
        "~/.bashrc",                             // home expansion lands outside
        "{R}evil/secret.txt",                    // sibling sharing the root's name as a prefix
        "//{O}/secret.txt",                      // doubled slashes
        "{R}/./../outside/secret.txt",           // dot segments
        "{R}/hello.txt\0.png",                   // null byte
        "{R}/\u202Etxt.exe",                     // right-to-left override
        "{R}/hel\u200Blo.txt",                   // zero-width space
        "{R}/hello\n.txt",                       // control character
        "{R}/hello.txt.",                        // trailing dot
        "{R}/hello.txt ",                        // trailing space
        "{R}/\uFF0E\uFF0E/outside/secret.txt",   // fullwidth dots (NFKC '..')
        "{R}/..\uFF0Foutside\uFF0Fsecret.txt",   // fullwidth slash
        "{R}/..\u2215outside",                   // division slash
        "{R}/" + new string('a', 300),           // component over NAME_MAX
        "{R}/" + string.Join('/', Enumerable.Repeat("abcdefgh", 600)), // path over PATH_MAX
        "C:\\Windows\\win.ini",                  // Windows path on POSIX
        "",                                      // empty path
        "{R}/pipe",                              // FIFO (would block a reader)
    ];

    private static readonly string[] PathTools =
        ["read_text_file", "read_file", "read_media_file", "read_multiple_files", "write_file", "edit_file", "create_directory",
         "list_directory", "list_directory_with_sizes", "directory_tree", "search_files", "get_file_info", "move_file:source", "move_file:destination"];

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string path in HostilePaths)
        {
            foreach (string tool in PathTools)
            {
                data.Add(tool, path);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task HostilePath_EveryTool_IsRefusedAndTouchesNothingOutside(string tool, string hostile)
    {
        string path = hostile.Replace("{R}", _tree.Root, StringComparison.Ordinal).Replace("{O}", _tree.Outside, StringComparison.Ordinal);
        string outsideBefore = _tree.SnapshotOutside();
        string[] baseBefore = [.. Directory.EnumerateFileSystemEntries(_tree.Base).Order(StringComparer.Ordinal)];
        string helloBefore = File.ReadAllText(_tree.InRoot("hello.txt"));
        await using var mcp = await _tree.ConnectAsync();

        var result = await mcp.CallAsync(ToolName(tool), Arguments(tool, path));

        string text = result.Text();
        if (tool == "read_multiple_files")
        {
            // One failure does not fail the call: the file's entry carries the error instead.
            Assert.Contains(": Error - ", text, StringComparison.Ordinal);
        }
        else
        {
            Assert.True(result.IsError == true, $"{tool} accepted '{hostile}': {text}");
        }

        Assert.DoesNotContain(FilesystemTree.Secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain("[FILE]", text, StringComparison.Ordinal); // nothing was listed
        Assert.DoesNotContain("\"name\":", text, StringComparison.Ordinal);
        Assert.Equal(outsideBefore, _tree.SnapshotOutside());
        Assert.Equal(baseBefore, Directory.EnumerateFileSystemEntries(_tree.Base).Order(StringComparer.Ordinal));
        Assert.Equal(FilesystemTree.Secret, File.ReadAllText(_tree.InOutside("secret.txt")));
        Assert.Equal(helloBefore, File.ReadAllText(_tree.InRoot("hello.txt")));
        Assert.False(File.Exists(_tree.InOutside("created-through-link.txt")));
    }

    [Fact]
    public void HostilePaths_AreAtLeastForty()
    {
        Assert.True(HostilePaths.Count >= 30);
        Assert.True(Cases().Count >= 40);
    }

    [Fact]
    public async Task WriteFile_ThroughLinkReplacedAfterCheck_NeverWritesOutside()
    {
        // The target is a link inside the root to a file inside the root; the write replaces the link itself
        // (rename over it), so even a link swapped to point outside is not written through.
        File.CreateSymbolicLink(_tree.InRoot("swap"), "hello.txt");
        await using var mcp = await _tree.ConnectAsync();
        await mcp.TextAsync("write_file", new { path = _tree.InRoot("swap"), content = "through" });
        Assert.Equal("through", File.ReadAllText(_tree.InRoot("hello.txt")));
        Assert.Equal(FilesystemTree.Secret, File.ReadAllText(_tree.InOutside("secret.txt")));
    }

    [Fact]
    public async Task SearchFiles_LinkOutsideInTree_IsNotReported()
    {
        await using var mcp = await _tree.ConnectAsync();
        string text = await mcp.TextAsync("search_files", new { path = _tree.Root, pattern = "**" });
        Assert.DoesNotContain("link-outside", text, StringComparison.Ordinal);
        Assert.DoesNotContain("inner.txt", text, StringComparison.Ordinal);
        Assert.Contains("hello.txt", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenRead_FileSwappedForFifoAfterTheCheck_IsRefusedWithoutBlocking()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // The window between resolving (which refuses FIFOs) and opening, held open: open(2) of a FIFO blocks until a writer comes.
        string path = _tree.InRoot("swapped");
        File.WriteAllText(path, "regular");
        var allowed = AllowedDirectories.FromConfiguredRoots([_tree.Root]);
        var resolved = PathResolver.Resolve(path, allowed, maxPathLength: 4096);
        File.Delete(path);
        using (var mkfifo = Process.Start("mkfifo", [path]))
        {
            await mkfifo.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        var open = Task.Run(() => SafeFile.OpenRead(resolved, allowed, maxBytes: 1024).Dispose(), TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAsync<ModelContextProtocol.McpException>(() => open.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken));
        Assert.Contains("other than a regular file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListDirectoryWithSizes_LinksOutside_ShowNotTheirTargetsSizes()
    {
        await using var mcp = await _tree.ConnectAsync();
        string[] lines = (await mcp.TextAsync("list_directory_with_sizes", new { path = _tree.Root })).Split('\n');

        Assert.Equal("14 B", SizeListed("link-inside")); // a link inside counts as its target, as in the reference
        Assert.Equal("0 B", SizeListed("link-outside")); // the secret's 51 bytes, before
        Assert.Equal("0 B", SizeListed("chain1"));
        Assert.Equal("0 B", SizeListed("dir-link-outside")); // the outside directory's size, before
        Assert.Equal("0 B", SizeListed("dangling-outside")); // a missing target looks the same as an existing one

        string SizeListed(string name) => lines.Single(line => line.StartsWith($"[FILE] {name} ", StringComparison.Ordinal))[(7 + name.Length)..].Trim();
    }

    private static string ToolName(string tool) => tool.Split(':')[0];

    private object Arguments(string tool, string path) => tool switch
    {
        "read_multiple_files" => new { paths = new[] { path } },
        "write_file" => new { path, content = "pwned" },
        "edit_file" => new { path, edits = new[] { new { oldText = "", newText = "pwned" } } },
        "search_files" => new { path, pattern = "**" },
        "move_file:source" => new { source = path, destination = _tree.InRoot("moved-here") },
        "move_file:destination" => new { source = _tree.InRoot("hello.txt"), destination = path },
        _ => (object)new { path },
    };
}
