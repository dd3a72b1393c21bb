using System.Text;
using System.Text.RegularExpressions;

namespace Switchboard.Servers.Filesystem.Sandbox;

/// <summary>A path that passed the sandbox: real (symbolic links resolved), inside an allowed directory.</summary>
/// <param name="Requested">The path as the caller wrote it.</param>
/// <param name="FullPath">The real path; for a path that does not exist yet, the real path of its deepest existing ancestor plus the rest.</param>
/// <param name="Kind">What is there now (<see cref="FileKind.Missing"/> when nothing is).</param>
internal readonly record struct ResolvedPath(string Requested, string FullPath, FileKind Kind)
{
    public bool Exists => Kind != FileKind.Missing;
}

/// <summary>
/// The sandbox check every path goes through before any file operation: refuses hard-to-see tricks, resolves the path
/// lexically and then part by part on disk (as realpath(3) does, but also for paths that do not exist yet), and
/// requires both the requested and the real path to lie inside an allowed directory.
/// </summary>
internal static partial class PathResolver
{
    private const int MaxSymlinkHops = 40; // Linux's MAXSYMLINKS: past this, realpath(3) fails with ELOOP.
    private const int MaxComponentBytes = 255; // NAME_MAX on every common Linux file system.

    /// <summary>Resolves <paramref name="requested"/> against <paramref name="allowed"/>, or fails the tool call saying why.</summary>
    public static ResolvedPath Resolve(string requested, AllowedDirectories allowed, int maxPathLength)
    {
        CheckHostileText(requested, maxPathLength);
        string expanded = PathText.ExpandHome(requested);
        if (!OperatingSystem.IsWindows() && WindowsDrivePath().IsMatch(expanded))
        {
            ToolFailure.Throw($"Access denied - Windows-style path received on a POSIX host: {requested}");
        }

        string absolute = PathText.IsAbsolute(expanded) ? PathText.Normalize(expanded) : ResolveRelative(expanded, allowed);
        CheckComponents(absolute);
        if (!allowed.Contains(absolute))
        {
            ToolFailure.Throw($"Access denied - path outside allowed directories: {absolute} not in {allowed}");
        }

        var (real, kind) = RealPath(absolute, allowed);
        if (!allowed.Contains(real))
        {
            ToolFailure.Throw($"Access denied - symlink target outside allowed directories: {real} not in {allowed}");
        }

        string? special = kind switch
        {
            FileKind.Fifo => "a FIFO (named pipe)",
            FileKind.CharacterDevice => "a character device",
            FileKind.BlockDevice => "a block device",
            FileKind.Socket => "a socket",
            _ => null,
        };
        if (special is not null)
        {
            ToolFailure.Throw($"Access denied - {requested} is {special}; only regular files and directories can be used.");
        }

        return new ResolvedPath(requested, real, kind);
    }

    /// <summary>The real path of an existing path, or null when any part of it is missing.</summary>
    public static string? TryRealPath(string absolute)
    {
        try
        {
            var (real, kind) = RealPath(PathText.Normalize(absolute), allowed: null);
            return kind == FileKind.Missing ? null : real;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ModelContextProtocol.McpException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether <paramref name="name"/>, the name of a directory entry, is one the sandbox would refuse (used to skip
    /// such entries quietly while walking a tree, where the reference server skips entries that fail validation).
    /// </summary>
    public static bool IsHostileName(string name) => FindHostileCharacter(name) is not null || HasTrailingDotOrSpace(name);

    private static void CheckHostileText(string path, int maxPathLength)
    {
        if (path.Length == 0)
        {
            ToolFailure.Throw("Access denied - the path is empty: give a file or directory path inside an allowed directory.");
        }

        if (path.Contains('\0', StringComparison.Ordinal))
        {
            ToolFailure.Throw("Access denied - path contains a null byte (U+0000), which would cut the path short.");
        }

        if (FindHostileCharacter(path) is { } hostile)
        {
            ToolFailure.Throw($"Access denied - path contains U+{(int)hostile:X4} ({Describe(hostile)}), a character that hides what the path really names.");
        }

        if (Encoding.UTF8.GetByteCount(path) > maxPathLength)
        {
            ToolFailure.Throw($"Access denied - path is longer than {maxPathLength} bytes.");
        }
    }

    private static void CheckComponents(string absolute)
    {
        foreach (string part in absolute.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            if (Encoding.UTF8.GetByteCount(part) > MaxComponentBytes)
            {
                ToolFailure.Throw($"Access denied - path component '{part[..32]}…' is longer than {MaxComponentBytes} bytes.");
            }

            if (HasTrailingDotOrSpace(part))
            {
                ToolFailure.Throw($"Access denied - path component '{part}' ends with a dot or a space, which Windows and many tools silently drop: use a name without it.");
            }

            string compatible = part.Normalize(NormalizationForm.FormKC);
            if (compatible is "." or ".." || compatible.Contains('/', StringComparison.Ordinal) || compatible.Contains('\\', StringComparison.Ordinal))
            {
                ToolFailure.Throw($"Access denied - path component '{part}' looks like '{compatible}' once Unicode compatibility characters are folded: use plain characters.");
            }
        }
    }

    private static bool HasTrailingDotOrSpace(string name) => name is not ("." or "..") && name.Length > 0 && name[^1] is '.' or ' ';

    private static char? FindHostileCharacter(string text)
    {
        foreach (char c in text)
        {
            if (c == '\0' || char.IsControl(c))
            {
                return c;
            }

            switch (c)
            {
                case >= '\u200B' and <= '\u200F': // zero-width space/joiners, left-to-right and right-to-left marks
                case >= '\u202A' and <= '\u202E': // bidirectional embeddings and overrides
                case >= '\u2066' and <= '\u2069': // bidirectional isolates
                case '\u2044' or '\u2215' or '\u29F8' or '\uFF0F' or '\uFF3C': // slash and backslash look-alikes
                case '\uFEFF': // zero-width no-break space (byte order mark)
                    return c;
            }
        }

        return null;
    }

    private static string Describe(char c) => c switch
    {
        _ when char.IsControl(c) => "a control character",
        >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' or '\u200E' or '\u200F' => "a bidirectional text control",
        '\u2044' or '\u2215' or '\u29F8' or '\uFF0F' or '\uFF3C' => "a slash look-alike",
        _ => "an invisible character",
    };

    // Mirrors the reference server's resolveRelativePathAgainstAllowedDirectories: the first allowed directory under
    // which the relative path stays inside wins; otherwise the first directory, whose check then fails.
    private static string ResolveRelative(string relative, AllowedDirectories allowed)
    {
        foreach (string directory in allowed.Directories)
        {
            string candidate = PathText.Resolve(directory, relative);
            if (allowed.Contains(candidate))
            {
                return candidate;
            }
        }

        return allowed.Directories.Count > 0 ? PathText.Resolve(allowed.Directories[0], relative) : PathText.Normalize(Path.GetFullPath(relative));
    }

    /// <summary>
    /// realpath(3) part by part: each existing component is looked at without following it, a symbolic link is replaced
    /// by its target (at most 40 hops), and at the first missing component the rest is appended as written. A missing
    /// component whose NFC form names exactly one existing entry resolves to that entry (as the reference does for
    /// file systems that store decomposed names); two such entries are ambiguous and refused.
    /// </summary>
    private static (string Real, FileKind Kind) RealPath(string absolute, AllowedDirectories? allowed)
    {
        var pending = new List<string>(absolute.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries));
        string current = OperatingSystem.IsWindows() ? Path.GetPathRoot(absolute)! : "/";
        if (OperatingSystem.IsWindows())
        {
            pending.RemoveAt(0);
        }

        int hops = 0;
        var kind = FileKind.Directory;
        for (int index = 0; index < pending.Count; index++)
        {
            string part = pending[index];
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }

            string candidate = PathText.Join(current, part);
            var stat = FileStat.Get(candidate, followLinks: false);
            if (stat.Kind == FileKind.Missing && FindEquivalentEntry(current, part) is { } equivalent)
            {
                candidate = PathText.Join(current, equivalent);
                stat = FileStat.Get(candidate, followLinks: false);
            }

            if (stat.Kind == FileKind.Missing)
            {
                return (PathText.Normalize(string.Join(Path.DirectorySeparatorChar, [current, .. pending.Skip(index)])), FileKind.Missing);
            }

            if (stat.Kind == FileKind.Symlink)
            {
                if (++hops > MaxSymlinkHops)
                {
                    ToolFailure.Throw($"ELOOP: too many symbolic links encountered, realpath '{absolute}'");
                }

                string target = new FileInfo(candidate).LinkTarget ?? "";
                if (PathText.IsAbsolute(target))
                {
                    current = OperatingSystem.IsWindows() ? Path.GetPathRoot(target)! : "/";
                }

                pending = [.. target.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Skip(OperatingSystem.IsWindows() && PathText.IsAbsolute(target) ? 1 : 0), .. pending.Skip(index + 1)];
                index = -1;
                continue;
            }

            if (stat.Kind != FileKind.Directory && index < pending.Count - 1)
            {
                ToolFailure.Throw($"ENOTDIR: not a directory, realpath '{absolute}'");
            }

            current = candidate;
            kind = stat.Kind;
            if (allowed is not null && !allowed.Contains(current) && !IsAncestorOfAllowed(current, allowed))
            {
                // A component already left the sandbox (through a symbolic link): stop looking around outside it.
                return (PathText.Normalize(string.Join(Path.DirectorySeparatorChar, [current, .. pending.Skip(index + 1)])), FileKind.Missing);
            }
        }

        return (current, kind);
    }

    private static bool IsAncestorOfAllowed(string path, AllowedDirectories allowed) =>
        allowed.Directories.Any(directory => PathText.IsWithin(directory, path));

    private static string? FindEquivalentEntry(string directory, string name)
    {
        string wanted = name.Normalize(NormalizationForm.FormC);
        if (FileStat.Get(directory, followLinks: false).Kind != FileKind.Directory || (wanted == name && name.IsNormalized(NormalizationForm.FormD)))
        {
            // Pure ASCII (and other names that NFC and NFD agree on) has no other spelling to find.
            return null;
        }

        string[] matches;
        try
        {
            matches = [.. Directory.EnumerateFileSystemEntries(directory)
                .Select(Path.GetFileName)
                .Where(entry => entry is not null && string.Equals(entry.Normalize(NormalizationForm.FormC), wanted, StringComparison.Ordinal))
                .Select(entry => entry!)];
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return matches.Length switch
        {
            0 => null,
            1 => matches[0],
            _ => ToolFailure.Throw<string>($"Ambiguous Unicode path component: {name}"),
        };
    }

    [GeneratedRegex(@"^(?:[A-Za-z]:)(?:[\\/]|$)", RegexOptions.CultureInvariant)]
    private static partial Regex WindowsDrivePath();
}
