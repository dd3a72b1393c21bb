namespace Switchboard.Servers.Filesystem.Sandbox;

/// <summary>Lexical path operations with Node's <c>path.resolve</c> semantics on POSIX paths (no disk access).</summary>
internal static class PathText
{
    /// <summary>Expands a leading <c>~</c> or <c>~/</c> to the user's home directory, as the reference server does.</summary>
    public static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + path[1..]
            : path;

    /// <summary>Whether <paramref name="path"/> is absolute on this host.</summary>
    public static bool IsAbsolute(string path) => Path.IsPathRooted(path) && (!OperatingSystem.IsWindows() || Path.IsPathFullyQualified(path));

    /// <summary>Resolves <c>.</c>, <c>..</c>, repeated and trailing separators of an absolute path.</summary>
    public static string Normalize(string absolutePath)
    {
        if (OperatingSystem.IsWindows())
        {
            return Path.TrimEndingDirectorySeparator(Path.GetFullPath(absolutePath));
        }

        var parts = new List<string>();
        foreach (string part in absolutePath.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }

                continue;
            }

            parts.Add(part);
        }

        return "/" + string.Join('/', parts);
    }

    /// <summary>Joins a normalized directory and a relative path, then normalizes.</summary>
    public static string Resolve(string directory, string relative) =>
        IsAbsolute(relative) ? Normalize(relative) : Normalize(Join(directory, relative));

    /// <summary>Joins without normalizing.</summary>
    public static string Join(string directory, string name) =>
        directory.EndsWith(Path.DirectorySeparatorChar) ? directory + name : directory + Path.DirectorySeparatorChar + name;

    /// <summary>Whether <paramref name="path"/> equals <paramref name="directory"/> or lies below it (both normalized).</summary>
    public static bool IsWithin(string path, string directory)
    {
        var comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (string.Equals(path, directory, comparison))
        {
            return true;
        }

        string prefix = directory.EndsWith(Path.DirectorySeparatorChar) ? directory : directory + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, comparison);
    }

    /// <summary>Node's <c>path.relative(from, to)</c> for two normalized absolute paths.</summary>
    public static string Relative(string from, string to) =>
        Path.GetRelativePath(from, to) is "." ? "" : Path.GetRelativePath(from, to);
}
