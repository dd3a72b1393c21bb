using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Switchboard.Servers.Filesystem.Sandbox;

/// <summary>
/// Opening and changing files so that what is touched is what the sandbox approved, even if the tree changes between
/// the check and the use (time-of-check/time-of-use): a read re-checks the opened descriptor's real path; changes
/// (SafeFile.Write.cs) work relative to directory descriptors opened without following links.
/// </summary>
internal static partial class SafeFile
{
    private const int ENOENT = 2;

    /// <summary>Opens an approved path for reading; fails for directories, missing files and files over <paramref name="maxBytes"/>.</summary>
    public static FileStream OpenRead(ResolvedPath path, AllowedDirectories allowed, long maxBytes, bool enforceLimit = true)
    {
        if (!path.Exists)
        {
            ToolFailure.NotFound("open", path.FullPath);
        }

        if (path.Kind == FileKind.Directory)
        {
            ToolFailure.IsDirectory("read");
        }

        FileStream stream;
        try
        {
            stream = OpenRegularFile(path.FullPath, path.Requested);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            ToolFailure.FromIo(exception, "open", path.FullPath);
            throw; // unreachable: FromIo always throws
        }

        try
        {
            VerifyOpened(stream.SafeFileHandle, allowed, path.Requested);
            if (enforceLimit && stream.Length > maxBytes)
            {
                ToolFailure.Throw($"File too large: {path.Requested} is {stream.Length:N0} bytes and the server reads at most {maxBytes:N0} (MaxReadBytes). Read part of it with 'head' or 'tail' instead.");
            }

            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens a file for reading only if what is opened is a regular file. The type was checked when the path was
    /// resolved, but a FIFO swapped in after that check would block open(2) until a writer came, and once unlinked
    /// again none ever does. So on Linux the path is first opened with O_PATH, which neither blocks nor has a device's
    /// side effects of opening, the type is checked on that descriptor, and only a regular file is opened for reading,
    /// through the descriptor.
    /// </summary>
    private static FileStream OpenRegularFile(string path, string requested)
    {
        if (!OperatingSystem.IsLinux())
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        }

        int descriptor = Open(path, OpenFlags.Path | OpenFlags.CloseOnExec);
        if (descriptor < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno == ENOENT ? new FileNotFoundException(Marshal.GetPInvokeErrorMessage(errno), path) : new IOException(Marshal.GetPInvokeErrorMessage(errno), errno);
        }

        using var located = new SafeFileHandle(descriptor, ownsHandle: true);
        string byDescriptor = $"/proc/self/fd/{descriptor}";
        if (FileStat.Get(byDescriptor, followLinks: true).Kind != FileKind.File)
        {
            ToolFailure.Throw($"Access denied - {requested} was replaced by something other than a regular file while it was being opened.");
        }

        return new FileStream(byDescriptor, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    /// <summary>On Linux, checks through /proc/self/fd where an open descriptor really points.</summary>
    private static void VerifyOpened(SafeFileHandle handle, AllowedDirectories allowed, string requested)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        string? actual = new FileInfo($"/proc/self/fd/{handle.DangerousGetHandle()}").LinkTarget;
        if (actual is not null && !allowed.Contains(actual))
        {
            ToolFailure.Throw($"Access denied - {requested} was replaced by a link to {actual}, outside the allowed directories, while it was being opened.");
        }
    }
}
