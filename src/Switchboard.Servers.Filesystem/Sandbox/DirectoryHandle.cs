using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Switchboard.Servers.Filesystem.Sandbox;

/// <summary>
/// A directory held open by descriptor (Linux only), so that a write, rename or mkdir changes the directory the sandbox
/// checked even if its path is redirected meanwhile (security findings 5 and 6). It is opened from <c>/</c> one
/// component at a time with O_PATH|O_DIRECTORY|O_NOFOLLOW: the path given is a checked real path, so every component
/// must still be a directory and none a link; a component swapped for a link, wherever it points, fails the open
/// instead of being followed. Entries are then named relative to the descriptor (openat, renameat2, unlinkat,
/// mkdirat), which no later swap of a parent can redirect.
/// </summary>
/// <remarks>
/// openat2(RESOLVE_NO_SYMLINKS) does the walk in one call, but the seccomp profiles of container runtimes from before
/// 2021 refuse it with EPERM; the walk works on every kernel and costs one call per component.
/// </remarks>
internal sealed partial class DirectoryHandle : IDisposable
{
    private const int ENOENT = 2;
    private const int EACCES = 13;
    private const int EPERM = 1;
    private const int EEXIST = 17;
    private const int ENOTDIR = 20;
    private const int EINVAL = 22;
    private const int ENAMETOOLONG = 36;
    private const int ELOOP = 40;
    private const uint RenameNoReplace = 1;
    private const int NewFileMode = 0x1b6; // 0666 less the umask, as FileStream creates files
    private const int NewDirectoryMode = 0x1ff; // 0777 less the umask, as Directory.CreateDirectory and mkdir(1)

    private readonly SafeFileHandle _handle;

    private DirectoryHandle(SafeFileHandle handle, string path)
    {
        _handle = handle;
        RealPath = path;
    }

    /// <summary>The real path the directory was opened as.</summary>
    public string RealPath { get; }

    /// <summary>Opens the directory at the real path <paramref name="realPath"/>, following no link.</summary>
    /// <exception cref="PathChangedException">A component is now a symbolic link.</exception>
    /// <exception cref="FileNotFoundException">A component is missing.</exception>
    /// <exception cref="IOException">A component is not a directory, or cannot be opened.</exception>
    public static DirectoryHandle Open(string realPath) => Walk(realPath, create: false);

    /// <summary>As <see cref="Open"/>, creating missing components (mkdir -p).</summary>
    public static DirectoryHandle OpenOrCreate(string realPath) => Walk(realPath, create: true);

    /// <summary>Where the directory is now, as the kernel names it (it may have been moved since it was opened).</summary>
    public string? CurrentPath() => new FileInfo($"/proc/self/fd/{_handle.DangerousGetHandle()}").LinkTarget;

    /// <summary>The entry <paramref name="name"/> itself (a link is reported as a link).</summary>
    public FileStat Stat(string name) => Statx.GetAt(_handle, name);

    /// <summary>Creates <paramref name="name"/> for writing; fails if anything, a link included, is already there.</summary>
    public SafeFileHandle CreateNew(string name)
    {
        var file = OpenAt(_handle, name, OpenFlags.WriteOnly | OpenFlags.Create | OpenFlags.Exclusive | OpenFlags.NoFollow | OpenFlags.CloseOnExec, NewFileMode);
        return file.IsInvalid ? throw Error(Marshal.GetLastPInvokeError(), PathOf(name)) : file;
    }

    /// <summary>Removes the entry <paramref name="name"/> (not a directory).</summary>
    public void Unlink(string name)
    {
        if (UnlinkAt(_handle, name, 0) != 0)
        {
            throw Error(Marshal.GetLastPInvokeError(), PathOf(name));
        }
    }

    /// <summary>
    /// Renames an entry from one held directory to another. Without <paramref name="replace"/> an existing destination
    /// fails the call with EEXIST, atomically (RENAME_NOREPLACE).
    /// </summary>
    public static void Rename(DirectoryHandle from, string fromName, DirectoryHandle to, string toName, bool replace)
    {
        int result = RenameAt2(from._handle, fromName, to._handle, toName, replace ? 0 : RenameNoReplace);
        int errno = Marshal.GetLastPInvokeError();
        if (result != 0 && errno == EINVAL && !replace && to.Stat(toName).Kind == FileKind.Missing)
        {
            // A file system without RENAME_NOREPLACE (NFS, some FUSE): checked just before instead, as .NET's
            // Directory.Move does. (EINVAL for a directory moved into itself comes back from this call again.)
            result = RenameAt2(from._handle, fromName, to._handle, toName, 0);
            errno = Marshal.GetLastPInvokeError();
        }

        if (result != 0)
        {
            throw Error(errno, to.PathOf(toName));
        }
    }

    /// <summary>Whether <paramref name="exception"/> (from <see cref="Rename"/>) says the destination exists.</summary>
    public static bool IsAlreadyExists(IOException exception) => exception.HResult == EEXIST;

    public void Dispose() => _handle.Dispose();

    private static DirectoryHandle Walk(string realPath, bool create)
    {
        const int flags = OpenFlags.Path | OpenFlags.CloseOnExec;
        var current = OpenRoot("/", flags | OpenFlags.Directory);
        if (current.IsInvalid)
        {
            throw Error(Marshal.GetLastPInvokeError(), "/");
        }

        string walked = "";
        try
        {
            foreach (string part in realPath.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                walked += "/" + part;
                var next = OpenAt(current, part, flags | OpenFlags.Directory | OpenFlags.NoFollow, 0);
                int errno = Marshal.GetLastPInvokeError();
                if (next.IsInvalid && errno == ENOENT && create)
                {
                    if (MakeDirectoryAt(current, part, NewDirectoryMode) != 0 && Marshal.GetLastPInvokeError() != EEXIST)
                    {
                        throw Error(Marshal.GetLastPInvokeError(), walked);
                    }

                    next.Dispose();
                    next = OpenAt(current, part, flags | OpenFlags.Directory | OpenFlags.NoFollow, 0);
                    errno = Marshal.GetLastPInvokeError();
                }

                if (next.IsInvalid)
                {
                    // O_DIRECTORY|O_NOFOLLOW answers ENOTDIR for a link as for a file; only a link means the tree changed.
                    next.Dispose();
                    throw errno is ENOTDIR or ELOOP && Statx.GetAt(current, part).Kind == FileKind.Symlink
                        ? new PathChangedException(walked)
                        : Error(errno, walked);
                }

                current.Dispose();
                current = next;
            }

            return new DirectoryHandle(current, realPath);
        }
        catch
        {
            current.Dispose();
            throw;
        }
    }

    private string PathOf(string name) => PathText.Join(RealPath, name);

    /// <summary>An errno as the exception <see cref="ToolFailure.FromIo"/> words as Node does.</summary>
    private static Exception Error(int errno, string path)
    {
        string message = Marshal.GetPInvokeErrorMessage(errno);
        return errno switch
        {
            ENOENT => new FileNotFoundException(message, path),
            EACCES or EPERM => new UnauthorizedAccessException(message),
            ENAMETOOLONG => new PathTooLongException(message),
            _ => new IOException(message, errno),
        };
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial SafeFileHandle OpenRoot(string path, int flags);

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial SafeFileHandle OpenAt(SafeFileHandle directory, string name, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MakeDirectoryAt(SafeFileHandle directory, string name, int mode);

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnlinkAt(SafeFileHandle directory, string name, int flags);

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt2(SafeFileHandle fromDirectory, string fromName, SafeFileHandle toDirectory, string toName, uint flags);
}

/// <summary>A component of a checked real path is now a symbolic link: the tree changed after the check.</summary>
internal sealed class PathChangedException(string path)
    : IOException($"{path} was replaced by a symbolic link after it was checked.");

/// <summary>
/// open(2) flags. O_DIRECTORY and O_NOFOLLOW are the two whose values differ between the architectures .NET runs on:
/// Arm and PowerPC have their own (asm/fcntl.h), the others asm-generic's.
/// </summary>
internal static class OpenFlags
{
    public const int WriteOnly = 0x1;
    public const int Create = 0x40;
    public const int Exclusive = 0x80;
    public const int CloseOnExec = 0x80000;
    public const int Path = 0x200000;

    private static readonly bool ArmLayout = RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64 or Architecture.Armv6 or Architecture.Ppc64le;

    public static int Directory { get; } = ArmLayout ? 0x4000 : 0x10000;

    public static int NoFollow { get; } = ArmLayout ? 0x8000 : 0x20000;
}
