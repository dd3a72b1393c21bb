using System.Diagnostics.CodeAnalysis;
using ModelContextProtocol;
using Switchboard.Tools;

namespace Switchboard.Servers.Filesystem;

/// <summary>
/// Throw helpers for tool failures. The SDK turns an <see cref="McpException"/> thrown by a tool into a result with
/// <c>isError: true</c> and this message. File-system failures use Node's wording (<c>ENOENT: no such file or
/// directory, open '…'</c>) because that is what the reference server returns and what clients already match on.
/// </summary>
internal static class ToolFailure
{
    [DoesNotReturn]
    public static void Throw(string message) => throw new McpException(message);

    /// <summary>Fails the tool call with <paramref name="message"/>, its numbers formatted invariantly.</summary>
    [DoesNotReturn]
    public static void Throw(ref InvariantInterpolatedStringHandler message) => throw new McpException(message.ToStringAndClear());

    [DoesNotReturn]
    public static T Throw<T>(string message) => throw new McpException(message);

    [DoesNotReturn]
    public static T Throw<T>(ref InvariantInterpolatedStringHandler message) => throw new McpException(message.ToStringAndClear());

    /// <summary>ENOENT in Node's words.</summary>
    [DoesNotReturn]
    public static void NotFound(string syscall, string path) => Throw($"ENOENT: no such file or directory, {syscall} '{path}'");

    /// <summary>ENOTDIR in Node's words.</summary>
    [DoesNotReturn]
    public static void NotDirectory(string syscall, string path) => Throw($"ENOTDIR: not a directory, {syscall} '{path}'");

    /// <summary>EISDIR in Node's words: Node's read of a directory names no path.</summary>
    [DoesNotReturn]
    public static void IsDirectory(string syscall) => Throw($"EISDIR: illegal operation on a directory, {syscall}");

    /// <summary>EEXIST in Node's words.</summary>
    [DoesNotReturn]
    public static void Exists(string syscall, string path) => Throw($"EEXIST: file already exists, {syscall} '{path}'");

    /// <summary>Turns an I/O exception from <paramref name="syscall"/> on <paramref name="path"/> into a tool failure.</summary>
    [DoesNotReturn]
    public static void FromIo(Exception exception, string syscall, string path)
    {
        switch (exception)
        {
            case FileNotFoundException or DirectoryNotFoundException:
                NotFound(syscall, path);
                break;
            case UnauthorizedAccessException:
                Throw($"EACCES: permission denied, {syscall} '{path}'");
                break;
            case PathTooLongException:
                Throw($"ENAMETOOLONG: name too long, {syscall} '{path}'");
                break;
            default:
                Throw($"{exception.Message.TrimEnd('.')}, {syscall} '{path}'");
                break;
        }
    }
}
