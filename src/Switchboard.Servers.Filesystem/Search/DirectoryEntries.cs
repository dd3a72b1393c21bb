using System.IO.Enumeration;
using Switchboard.Servers.Filesystem.Sandbox;

namespace Switchboard.Servers.Filesystem.Search;

/// <summary>One directory entry as Node's <c>Dirent</c> sees it: a symbolic link is neither a file nor a directory.</summary>
internal readonly record struct DirectoryEntry(string Name, string FullPath, bool IsDirectory, bool IsSymlink);

/// <summary>Reads directories the way Node's <c>fs.readdir</c> does: every entry (dot files too), sorted by name (libuv sorts with strcmp).</summary>
internal static class DirectoryEntries
{
    private static readonly EnumerationOptions AllEntries = new()
    {
        AttributesToSkip = 0, // dot files are "hidden" on Unix; the reference lists them
        IgnoreInaccessible = false,
        RecurseSubdirectories = false,
        ReturnSpecialDirectories = false,
    };

    /// <summary>
    /// The entries of <paramref name="directory"/> (a real path that passed the sandbox), failing with Node's
    /// <c>scandir</c> errors, or with a limit error past <paramref name="maxEntries"/>.
    /// </summary>
    public static List<DirectoryEntry> Read(string directory, int maxEntries, string requested)
    {
        var kind = FileStat.Get(directory, followLinks: true).Kind;
        if (kind == FileKind.Missing)
        {
            ToolFailure.NotFound("scandir", directory);
        }

        if (kind != FileKind.Directory)
        {
            ToolFailure.NotDirectory("scandir", directory);
        }

        var entries = new List<DirectoryEntry>();
        try
        {
            var enumerable = new FileSystemEnumerable<DirectoryEntry>(directory, Transform, AllEntries);
            foreach (var entry in enumerable)
            {
                entries.Add(entry);
                if (entries.Count > maxEntries)
                {
                    ToolFailure.Throw($"{requested} has more than {maxEntries:N0} entries, the most the server lists (MaxEntries): use search_files with a pattern to narrow it.");
                }
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            ToolFailure.FromIo(exception, "scandir", directory);
        }

        entries.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return entries;
    }

    private static DirectoryEntry Transform(ref FileSystemEntry entry)
    {
        bool isLink = (entry.Attributes & FileAttributes.ReparsePoint) != 0;
        return new DirectoryEntry(entry.FileName.ToString(), entry.ToFullPath(), entry.IsDirectory && !isLink, isLink);
    }
}
