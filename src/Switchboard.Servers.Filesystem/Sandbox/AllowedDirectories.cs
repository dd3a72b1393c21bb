namespace Switchboard.Servers.Filesystem.Sandbox;

/// <summary>
/// An immutable set of allowed directories, each absolute and normalized. Like the reference server it keeps both the
/// path as configured and its real path when they differ (a root given through a symbolic link), so a request may
/// name either; whatever it names must still resolve, symbolic links followed, inside one of them.
/// </summary>
internal sealed class AllowedDirectories
{
    public AllowedDirectories(IEnumerable<string> directories)
    {
        Directories = [.. directories.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The directories in the order they were given.</summary>
    public IReadOnlyList<string> Directories { get; }

    /// <summary>Whether <paramref name="normalizedPath"/> is one of the directories or lies below one.</summary>
    public bool Contains(string normalizedPath) => Directories.Any(directory => PathText.IsWithin(normalizedPath, directory));

    /// <summary>The list as the reference server writes it in its errors: comma-separated.</summary>
    public override string ToString() => string.Join(", ", Directories);

    /// <summary>Resolves operator-configured roots: expanded, absolute, normalized, plus their real path; missing ones are dropped.</summary>
    public static AllowedDirectories FromConfiguredRoots(IEnumerable<string> roots)
    {
        var directories = new List<string>();
        foreach (string root in roots)
        {
            string absolute = PathText.Normalize(Path.GetFullPath(PathText.ExpandHome(root)));
            string? real = PathResolver.TryRealPath(absolute);
            if (real is null || FileStat.Get(real, followLinks: true).Kind != FileKind.Directory)
            {
                // The reference server skips an inaccessible root with a warning; the options validator refuses it at start.
                continue;
            }

            directories.Add(absolute);
            directories.Add(real);
        }

        return new AllowedDirectories(directories);
    }
}
