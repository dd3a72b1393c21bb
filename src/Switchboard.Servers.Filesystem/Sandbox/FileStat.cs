using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Switchboard.Servers.Filesystem.Sandbox;

/// <summary>What kind of object a path names, as <c>lstat</c>/<c>stat</c> report it.</summary>
internal enum FileKind
{
    Missing,
    File,
    Directory,
    Symlink,
    Fifo,
    CharacterDevice,
    BlockDevice,
    Socket,
}

/// <summary>The metadata the tools need: kind, size, times and permission bits.</summary>
internal readonly record struct FileStat(FileKind Kind, long Size, int Mode, DateTimeOffset Created, DateTimeOffset Modified, DateTimeOffset Accessed)
{
    public static readonly FileStat Missing = new(FileKind.Missing, 0, 0, default, default, default);

    /// <summary>Stats <paramref name="path"/>; with <paramref name="followLinks"/> false a symbolic link is reported as itself.</summary>
    /// <exception cref="IOException">The path exists but cannot be examined (EACCES, ELOOP, ...).</exception>
    public static FileStat Get(string path, bool followLinks)
    {
        if (OperatingSystem.IsLinux())
        {
            return Statx.Get(path, followLinks);
        }

        // Elsewhere (Windows, macOS) the managed view is used: it cannot tell FIFOs or devices apart, which Windows
        // does not have as files and which macOS hosts are not the supported target (Linux containers are).
        FileSystemInfo info = new FileInfo(path);
        if (!info.Exists)
        {
            info = new DirectoryInfo(path);
            if (!info.Exists)
            {
                return info.LinkTarget is not null ? Link(info) : Missing;
            }
        }

        if (info.LinkTarget is not null && !followLinks)
        {
            return Link(info);
        }

        if (info.LinkTarget is not null)
        {
            var target = info.ResolveLinkTarget(returnFinalTarget: true);
            if (target is null || !target.Exists)
            {
                return Missing;
            }

            info = target;
        }

        bool isDirectory = info is DirectoryInfo;
        int mode = OperatingSystem.IsWindows() ? (isDirectory ? 0x1ed : 0x1a4) : (int)info.UnixFileMode;
        return new FileStat(isDirectory ? FileKind.Directory : FileKind.File, info is FileInfo file ? file.Length : 4096, mode, info.CreationTimeUtc, info.LastWriteTimeUtc, info.LastAccessTimeUtc);
    }

    private static FileStat Link(FileSystemInfo info) =>
        new(FileKind.Symlink, 0, 0x1ff, info.CreationTimeUtc, info.LastWriteTimeUtc, info.LastAccessTimeUtc);
}

/// <summary>
/// statx(2): the one stat call whose structure has the same layout on every Linux architecture, and which reports
/// the file type (FIFO, device, socket) and the birth time that <see cref="FileSystemInfo"/> does not.
/// </summary>
internal static partial class Statx
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStatsAndBirthTime = 0x7ff | 0x800;
    private const int ENOENT = 2;
    private const int ENOTDIR = 20;

    public static FileStat Get(string path, bool followLinks) =>
        From(StatxCall(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, StatxBasicStatsAndBirthTime, out StatxBuffer buffer), buffer);

    /// <summary>The entry <paramref name="name"/> of the open <paramref name="directory"/>, a link reported as itself.</summary>
    public static FileStat GetAt(SafeFileHandle directory, string name) =>
        From(StatxAtCall(directory, name, AtSymlinkNoFollow, StatxBasicStatsAndBirthTime, out StatxBuffer buffer), buffer);

    private static FileStat From(int result, in StatxBuffer buffer)
    {
        if (result != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is ENOENT or ENOTDIR)
            {
                return FileStat.Missing;
            }

            throw new IOException(Marshal.GetPInvokeErrorMessage(errno), errno);
        }

        var kind = (buffer.Mode & 0xF000) switch
        {
            0x8000 => FileKind.File,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.Symlink,
            0x1000 => FileKind.Fifo,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            _ => FileKind.Socket,
        };

        // A file system without birth times leaves STATX_BTIME (0x800) out of the returned mask; Node then reports ctime.
        var created = (buffer.Mask & 0x800) != 0 ? Time(buffer.BirthSeconds, buffer.BirthNanoseconds) : Time(buffer.ChangeSeconds, buffer.ChangeNanoseconds);
        return new FileStat(kind, (long)buffer.Size, buffer.Mode & 0xFFF, created, Time(buffer.ModifySeconds, buffer.ModifyNanoseconds), Time(buffer.AccessSeconds, buffer.AccessNanoseconds));
    }

    private static DateTimeOffset Time(long seconds, uint nanoseconds) =>
        DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanoseconds / 100);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatxCall(int directoryFd, string path, int flags, uint mask, out StatxBuffer buffer);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatxAtCall(SafeFileHandle directory, string path, int flags, uint mask, out StatxBuffer buffer);

    /// <summary>struct statx from linux/stat.h: 256 bytes, fixed offsets on every architecture.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(0)] public uint Mask;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(64)] public long AccessSeconds;
        [FieldOffset(72)] public uint AccessNanoseconds;
        [FieldOffset(80)] public long BirthSeconds;
        [FieldOffset(88)] public uint BirthNanoseconds;
        [FieldOffset(96)] public long ChangeSeconds;
        [FieldOffset(104)] public uint ChangeNanoseconds;
        [FieldOffset(112)] public long ModifySeconds;
        [FieldOffset(120)] public uint ModifyNanoseconds;
    }
}
