using System.Security.Cryptography;

namespace Switchboard.Servers.Filesystem.Sandbox;

/// <summary>The changes to the tree: write, move and create a directory, each of an approved path.</summary>
internal static partial class SafeFile
{
    /// <summary>Replaces (or creates) the approved file with <paramref name="content"/> atomically, keeping an existing file's permission bits.</summary>
    public static void WriteAtomic(ResolvedPath path, AllowedDirectories allowed, ReadOnlySpan<byte> content)
    {
        if (path.Kind == FileKind.Directory)
        {
            ToolFailure.Throw($"EISDIR: illegal operation on a directory, open '{path.FullPath}'");
        }

        string directory = Path.GetDirectoryName(path.FullPath)!;
        if (FileStat.Get(directory, followLinks: false).Kind != FileKind.Directory)
        {
            ToolFailure.NotFound("open", path.FullPath);
        }

        UnixFileMode? mode = path.Exists && !OperatingSystem.IsWindows() ? File.GetUnixFileMode(path.FullPath) : null;
        string temporary = $"{path.FullPath}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                VerifyOpened(stream.SafeFileHandle, allowed, path.Requested);
                stream.Write(content);
            }

            if (mode is { } keep && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, keep);
            }

            // The directory might have been swapped for a link after the temporary file was created: check again just
            // before the rename, which is the step that makes the content visible.
            if (PathResolver.TryRealPath(directory) is not { } realDirectory || !string.Equals(realDirectory, directory, StringComparison.Ordinal) || !allowed.Contains(realDirectory))
            {
                ToolFailure.Throw($"Access denied - the directory of {path.Requested} changed while it was being written; nothing was written.");
            }

            File.Move(temporary, path.FullPath, overwrite: true);
        }
        catch (Exception exception)
        {
            TryDelete(temporary);
            if (exception is IOException or UnauthorizedAccessException)
            {
                ToolFailure.FromIo(exception, "open", path.FullPath);
            }

            throw;
        }
    }

    /// <summary>Moves the approved <paramref name="from"/> to the approved <paramref name="to"/>, never over an existing entry.</summary>
    public static void Move(ResolvedPath from, ResolvedPath to)
    {
        try
        {
            // rename(2) moves the entry itself: a link is moved as a link, never followed. No overwrite: the destination
            // was checked by the caller, and Move fails if something appeared there since.
            if (from.Kind == FileKind.Directory)
            {
                Directory.Move(from.FullPath, to.FullPath);
            }
            else
            {
                File.Move(from.FullPath, to.FullPath, overwrite: false);
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            ToolFailure.Throw($"{exception.Message.TrimEnd('.')}, rename '{from.FullPath}' -> '{to.FullPath}'");
        }
    }

    /// <summary>Creates the approved directory and any missing parents (mkdir -p).</summary>
    public static void CreateDirectory(ResolvedPath path, AllowedDirectories allowed)
    {
        try
        {
            Directory.CreateDirectory(path.FullPath);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            ToolFailure.FromIo(exception, "mkdir", path.FullPath);
        }

        // mkdir -p walks the path again: if a link was slipped in meanwhile, the result must still be inside.
        if (PathResolver.TryRealPath(path.FullPath) is not { } real || !allowed.Contains(real))
        {
            ToolFailure.Throw($"Access denied - {path.Requested} changed to point outside the allowed directories while it was being created.");
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Best effort: the temporary file has a random name and is harmless if left behind.
        }
    }
}
