using ModelContextProtocol;
using Switchboard.Servers.Filesystem.Sandbox;

namespace Switchboard.Servers.Filesystem.Tests.Sandbox;

/// <summary>
/// The race of security findings 5 and 6, made deterministic: a path is checked, then a concurrent writer inside the
/// root swaps one of its directories for a symbolic link to the same tree outside, then the write, move or mkdir
/// runs. Nothing may appear, change or be taken outside, and the operation either lands in the directory that was
/// checked or fails saying the tree changed.
/// </summary>
public sealed class ParentSwapTests : IDisposable
{
    private static readonly DateTime LongAgo = new(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
    private readonly FilesystemTree _tree = new();
    private readonly AllowedDirectories _allowed;

    public ParentSwapTests()
    {
        _allowed = AllowedDirectories.FromConfiguredRoots([_tree.Root]);

        // The same two levels inside and outside, so that a swapped 'a' still leads to an existing 'a/b'.
        Directory.CreateDirectory(_tree.InRoot("a/b"));
        File.WriteAllText(_tree.InRoot("a/b/file.txt"), "inside");
        Directory.CreateDirectory(_tree.InOutside("a/b"));
        File.WriteAllText(_tree.InOutside("a/b/file.txt"), FilesystemTree.Secret);
        File.WriteAllText(_tree.InRoot("source.txt"), "moved");
    }

    public void Dispose() => _tree.Dispose();

    [Fact]
    public void WriteAtomic_GrandparentSwappedForLinkAfterTheCheck_CreatesNoTemporaryFileOutside()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var target = Resolve("a/b/new.txt");
        SwapForLinkOutside("a");
        Directory.SetLastWriteTimeUtc(_tree.InOutside("a/b"), LongAgo);
        string outsideBefore = _tree.SnapshotOutside();

        var error = Assert.Throws<McpException>(() => SafeFile.WriteAtomic(target, _allowed, "pwned"u8));

        Assert.Contains("changed while it was being written; nothing was written", error.Message, StringComparison.Ordinal);
        Assert.Equal(outsideBefore, _tree.SnapshotOutside());

        // Created and deleted again still changes the directory's modification time: nothing was created there at all.
        Assert.Equal(LongAgo, Directory.GetLastWriteTimeUtc(_tree.InOutside("a/b")));
        Assert.False(File.Exists(_tree.InRoot("a-checked/b/new.txt")));
    }

    [Fact]
    public void WriteAtomic_TargetBecameADirectoryAfterTheCheck_FailsAndRemovesItsTemporaryFile()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var target = Resolve("a/b/new.txt");
        Directory.CreateDirectory(_tree.InRoot("a/b/new.txt"));

        var error = Assert.Throws<McpException>(() => SafeFile.WriteAtomic(target, _allowed, "content"u8));

        Assert.Equal($"Is a directory, open '{target.FullPath}'", error.Message);
        Assert.Equal(["file.txt", "new.txt"], Directory.EnumerateFileSystemEntries(_tree.InRoot("a/b")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Move_DestinationsGrandparentSwappedForLinkAfterTheCheck_MovesNothingOutside()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var from = Resolve("source.txt");
        var to = Resolve("a/b/stolen.txt");
        SwapForLinkOutside("a");
        string outsideBefore = _tree.SnapshotOutside();

        var error = Assert.Throws<McpException>(() => SafeFile.Move(from, to));

        Assert.Contains("changed while it was being moved; nothing was moved", error.Message, StringComparison.Ordinal);
        Assert.Equal(outsideBefore, _tree.SnapshotOutside());
        Assert.Equal("moved", File.ReadAllText(_tree.InRoot("source.txt")));
    }

    [Fact]
    public void Move_SourcesGrandparentSwappedForLinkAfterTheCheck_BringsNothingIn()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var from = Resolve("a/b/file.txt");
        var to = Resolve("taken.txt");
        SwapForLinkOutside("a");

        var error = Assert.Throws<McpException>(() => SafeFile.Move(from, to));

        Assert.Contains("changed while it was being moved; nothing was moved", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_tree.InRoot("taken.txt")));
        Assert.Equal(FilesystemTree.Secret, File.ReadAllText(_tree.InOutside("a/b/file.txt")));
        Assert.Equal("inside", File.ReadAllText(_tree.InRoot("a-checked/b/file.txt")));
    }

    [Fact]
    public void Move_DestinationCreatedAfterTheCheck_IsNotOverwritten()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var from = Resolve("source.txt");
        var to = Resolve("a/b/late.txt");
        File.WriteAllText(_tree.InRoot("a/b/late.txt"), "theirs");

        var error = Assert.Throws<McpException>(() => SafeFile.Move(from, to));

        Assert.Equal($"Destination already exists: {to.FullPath}", error.Message);
        Assert.Equal("theirs", File.ReadAllText(_tree.InRoot("a/b/late.txt")));
        Assert.Equal("moved", File.ReadAllText(_tree.InRoot("source.txt")));
    }

    [Fact]
    public void CreateDirectory_ParentSwappedForLinkAfterTheCheck_CreatesNothingOutside()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var target = Resolve("a/new/deeper");
        SwapForLinkOutside("a");
        string outsideBefore = _tree.SnapshotOutside();

        var error = Assert.Throws<McpException>(() => SafeFile.CreateDirectory(target, _allowed));

        Assert.Contains("changed to point outside the allowed directories while it was being created", error.Message, StringComparison.Ordinal);
        Assert.Equal(outsideBefore, _tree.SnapshotOutside());
        Assert.False(Directory.Exists(_tree.InOutside("a/new")));
    }

    [Fact]
    public void DirectoryHandle_ParentSwappedForLinkAfterTheOpen_ChangesLandInTheOpenedDirectory()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // The window the walk cannot see: after the directory was opened. The descriptor keeps naming the directory
        // that was opened, wherever the name now points.
        using var directory = DirectoryHandle.Open(Resolve("a/b").FullPath);
        SwapForLinkOutside("a");
        string outsideBefore = _tree.SnapshotOutside();

        using (var stream = new FileStream(directory.CreateNew("temp"), FileAccess.Write, bufferSize: 0))
        {
            stream.Write("written"u8);
        }

        DirectoryHandle.Rename(directory, "temp", directory, "renamed.txt", replace: false);
        DirectoryHandle.Rename(directory, "file.txt", directory, "renamed.txt", replace: true);
        directory.Unlink("renamed.txt");

        Assert.Equal(outsideBefore, _tree.SnapshotOutside());
        Assert.Empty(Directory.EnumerateFileSystemEntries(_tree.InRoot("a-checked/b")));
        Assert.Equal(_tree.InRoot("a-checked/b"), directory.CurrentPath());
    }

    [Fact]
    public void DirectoryHandle_Open_RefusesALinkEvenToADirectoryInside()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // The walk follows no link at all: the path it is given is a real path, so a link in it is a change.
        Directory.CreateSymbolicLink(_tree.InRoot("link-to-a"), _tree.InRoot("a"));

        Assert.Throws<PathChangedException>(() => DirectoryHandle.Open(_tree.InRoot("link-to-a/b")));
        Assert.Throws<FileNotFoundException>(() => DirectoryHandle.Open(_tree.InRoot("missing/b")));
    }

    private ResolvedPath Resolve(string relative) => PathResolver.Resolve(_tree.InRoot(relative), _allowed, maxPathLength: 4096);

    /// <summary>What the concurrent writer does: keeps the checked directory aside and puts a link to outside in its place.</summary>
    private void SwapForLinkOutside(string relative)
    {
        Directory.Move(_tree.InRoot(relative), _tree.InRoot(relative + "-checked"));
        Directory.CreateSymbolicLink(_tree.InRoot(relative), _tree.InOutside(relative));
    }
}
