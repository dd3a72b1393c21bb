using System.Security.Cryptography;

namespace Switchboard.Servers.Filesystem.Sandbox;

/// <summary>
/// The changes to the tree: write, move and create a directory, each of an approved path. On Linux each works on
/// descriptors of the directories involved (<see cref="DirectoryHandle"/>), opened without following any link, so a
/// directory swapped for a link between the check and the change fails the change instead of redirecting it. Other
/// hosts (not the shipped target) work by path and re-check afterwards.
/// </summary>
internal static partial class SafeFile
{
    /// <summary>Replaces (or creates) the approved file with <paramref name="content"/> atomically, keeping an existing file's permission bits.</summary>
    public static void WriteAtomic(ResolvedPath path, AllowedDirectories allowed, ReadOnlySpan<byte> content)
    {
        if (path.Kind == FileKind.Directory)
        {
            ToolFailure.Throw($"EISDIR: illegal operation on a directory, open '{path.FullPath}'");
        }

        if (!OperatingSystem.IsLinux())
        {
            WriteAtomicByPath(path, allowed, content);
            return;
        }

        string name = Path.GetFileName(path.FullPath);
        string temporary = TemporaryName(name);
        DirectoryHandle? directory = null;
        try
        {
            directory = DirectoryHandle.Open(Path.GetDirectoryName(path.FullPath)!);

            // O_CREAT|O_EXCL|O_NOFOLLOW in the held directory: a new file there, never one reached through a link.
            var existing = directory.Stat(name);
            using (var stream = new FileStream(directory.CreateNew(temporary), FileAccess.Write, bufferSize: 0))
            {
                if (existing.Kind == FileKind.File)
                {
                    File.SetUnixFileMode(stream.SafeFileHandle, (UnixFileMode)existing.Mode);
                }

                stream.Write(content);
            }

            // The descriptor follows the directory if it was moved (out of the sandbox too): check where it is just
            // before the rename, which is the step that makes the content visible.
            if (directory.CurrentPath() is not { } now || !string.Equals(now, directory.RealPath, StringComparison.Ordinal) || !allowed.Contains(now))
            {
                ToolFailure.Throw($"Access denied - the directory of {path.Requested} changed while it was being written; nothing was written.");
            }

            // rename(2) replaces whatever the name is now, a link included; it never writes through one.
            DirectoryHandle.Rename(directory, temporary, directory, name, replace: true);
        }
        catch (Exception exception)
        {
            TryUnlink(directory, temporary);
            if (exception is PathChangedException)
            {
                ToolFailure.Throw($"Access denied - the directory of {path.Requested} changed while it was being written; nothing was written.");
            }

            if (exception is IOException or UnauthorizedAccessException)
            {
                ToolFailure.FromIo(exception, "open", path.FullPath);
            }

            throw;
        }
        finally
        {
            directory?.Dispose();
        }
    }

    /// <summary>Moves the approved <paramref name="from"/> to the approved <paramref name="to"/>, never over an existing entry.</summary>
    public static void Move(ResolvedPath from, ResolvedPath to)
    {
        if (!OperatingSystem.IsLinux())
        {
            MoveByPath(from, to);
            return;
        }

        try
        {
            // Both parents held, so neither the source read nor the destination written can be redirected outside.
            // rename(2) moves the entry itself: a link is moved as a link, never followed. RENAME_NOREPLACE refuses a
            // destination that appeared since the caller checked it, atomically.
            using var fromDirectory = DirectoryHandle.Open(Path.GetDirectoryName(from.FullPath)!);
            using var toDirectory = DirectoryHandle.Open(Path.GetDirectoryName(to.FullPath)!);
            DirectoryHandle.Rename(fromDirectory, Path.GetFileName(from.FullPath), toDirectory, Path.GetFileName(to.FullPath), replace: false);
        }
        catch (PathChangedException)
        {
            ToolFailure.Throw($"Access denied - the directory of {from.Requested} or {to.Requested} changed while it was being moved; nothing was moved.");
        }
        catch (IOException exception) when (DirectoryHandle.IsAlreadyExists(exception))
        {
            ToolFailure.Throw($"Destination already exists: {to.FullPath}");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            ToolFailure.Throw($"{exception.Message.TrimEnd('.')}, rename '{from.FullPath}' -> '{to.FullPath}'");
        }
    }

    /// <summary>Creates the approved directory and any missing parents (mkdir -p).</summary>
    public static void CreateDirectory(ResolvedPath path, AllowedDirectories allowed)
    {
        if (!OperatingSystem.IsLinux())
        {
            CreateDirectoryByPath(path, allowed);
            return;
        }

        try
        {
            // Each level is made with mkdirat in the level above, held open: none can be redirected through a link.
            DirectoryHandle.OpenOrCreate(path.FullPath).Dispose();
        }
        catch (PathChangedException)
        {
            ToolFailure.Throw($"Access denied - {path.Requested} changed to point outside the allowed directories while it was being created.");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            ToolFailure.FromIo(exception, "mkdir", path.FullPath);
        }
    }

    // A random name beside the target, so that a rename within the directory makes it visible at once. A name is at
    // most 255 bytes (NAME_MAX): of a long target's name the temporary one keeps only what fits beside its suffix.
    private static string TemporaryName(string name)
    {
        const int NameMax = 255;
        string suffix = $".{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}.tmp";
        int room = NameMax - suffix.Length, kept = 0, bytes = 0;
        foreach (var rune in name.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > room)
            {
                break;
            }

            bytes += rune.Utf8SequenceLength;
            kept += rune.Utf16SequenceLength;
        }

        return name[..kept] + suffix;
    }

    private static void TryUnlink(DirectoryHandle? directory, string name)
    {
        try
        {
            directory?.Unlink(name);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Best effort, and usually nothing to do (the failure came before the file was made): a leftover has a random name.
        }
    }

    private static void WriteAtomicByPath(ResolvedPath path, AllowedDirectories allowed, ReadOnlySpan<byte> content)
    {
        string directory = Path.GetDirectoryName(path.FullPath)!;
        if (FileStat.Get(directory, followLinks: false).Kind != FileKind.Directory)
        {
            ToolFailure.NotFound("open", path.FullPath);
        }

        UnixFileMode? mode = path.Exists && !OperatingSystem.IsWindows() ? File.GetUnixFileMode(path.FullPath) : null;
        string temporary = PathText.Join(directory, TemporaryName(Path.GetFileName(path.FullPath)));
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
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

    private static void MoveByPath(ResolvedPath from, ResolvedPath to)
    {
        try
        {
            // No overwrite: the destination was checked by the caller, and Move fails if something appeared there since.
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

    private static void CreateDirectoryByPath(ResolvedPath path, AllowedDirectories allowed)
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
