using System.Text;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Switchboard.Testing;

namespace Switchboard.Servers.Filesystem.Tests;

/// <summary>
/// A temporary directory holding the sandbox root (<see cref="Root"/>) with a fixed set of files, and a directory
/// beside it (<see cref="Outside"/>) with a secret file and links from inside the root pointing at it.
/// </summary>
public sealed class FilesystemTree : IDisposable
{
    public const string Secret = "TOP SECRET - must never be read through the sandbox";

    public FilesystemTree()
    {
        Base = Path.Combine(Path.GetTempPath(), "sb-fs-" + Guid.NewGuid().ToString("N")[..12]);
        Root = Path.Combine(Base, "root");
        Outside = Path.Combine(Base, "outside");
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Outside);
        Populate();
    }

    public string Base { get; }

    public string Root { get; }

    public string Outside { get; }

    public string InRoot(string relative) => Path.Combine(Root, relative);

    public string InOutside(string relative) => Path.Combine(Outside, relative);

    /// <summary>Every file and directory under <see cref="Outside"/> with its content, to compare before and after.</summary>
    public string SnapshotOutside() =>
        string.Join('\n', Directory.EnumerateFileSystemEntries(Outside, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Order(StringComparer.Ordinal)
            .Select(p => File.Exists(p) ? $"{p}={File.ReadAllText(p)}" : p));

    public Task<InMemoryMcp> ConnectAsync(bool readOnly = false, McpClientOptions? clientOptions = null)
    {
        var options = new FilesystemOptions { ReadOnly = readOnly };
        options.Roots.Add(Root);
        return InMemoryMcp.ConnectAsync(FilesystemServer.CreateCatalog(options), clientOptions, TestContext.Current.CancellationToken);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Base, recursive: true);
        }
        catch (IOException)
        {
            // A test that failed half-way may leave a FIFO or a read-only entry; the temp directory is cleaned by the OS.
        }
    }

    private void Populate()
    {
        Write("hello.txt", "Hello, world!\n");
        Write("lines.txt", "one\ntwo\nthree\nfour\nfive\n");
        Write("crlf.txt", "a\r\nb\r\nc\r\n");
        Write("empty.txt", "");
        Write(".hidden", "dot file\n");
        Write("code.py", "def add(a, b):\n    return a + b\n\ndef check(x):\n    if x:\n        print('yes')\n    else:\n        print('no')\n");
        Write("big.txt", string.Concat(Enumerable.Range(1, 400).Select(i => $"line {i}\n")));
        File.WriteAllBytes(InRoot("image.png"), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]);
        File.WriteAllBytes(InRoot("sound.mp3"), [0x49, 0x44, 0x33, 4, 5, 6]);
        File.WriteAllBytes(InRoot("data bin#1.bin"), [0, 1, 2, 255]);
        Write("docs/readme.md", "# Readme\n");
        Write("docs/guide.md", "# Guide\n");
        Write("docs/nested/deep.md", "deep\n");
        Write("src/app.js", "console.log('app');\n");
        Write("src/lib/util.js", "export const x = 1;\n");
        Write("src/lib/util.test.js", "test();\n");
        Write("node_modules/pkg/index.js", "module.exports = {};\n");
        File.WriteAllText(InOutside("secret.txt"), Secret);
        Directory.CreateDirectory(InOutside("dir"));
        File.WriteAllText(InOutside("dir/inner.txt"), Secret);
        File.CreateSymbolicLink(InRoot("link-inside"), "hello.txt");
        File.CreateSymbolicLink(InRoot("link-outside"), "../outside/secret.txt");
        Directory.CreateSymbolicLink(InRoot("dir-link-outside"), Outside);
    }

    private void Write(string relative, string content)
    {
        string path = InRoot(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content, new UTF8Encoding(false));
    }
}

/// <summary>Calls filesystem tools through the real MCP protocol.</summary>
public static class FilesystemCalls
{
    public static async Task<CallToolResult> CallAsync(this InMemoryMcp mcp, string tool, object? arguments = null)
    {
        var args = arguments is null
            ? new Dictionary<string, object?>()
            : JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(arguments));
        return await mcp.Client.CallToolAsync(tool, args, cancellationToken: TestContext.Current.CancellationToken);
    }

    public static string Text(this CallToolResult result) =>
        string.Concat(result.Content.OfType<TextContentBlock>().Select(b => b.Text));

    /// <summary>The text of a successful call; fails the test on a tool error.</summary>
    public static async Task<string> TextAsync(this InMemoryMcp mcp, string tool, object? arguments = null)
    {
        var result = await mcp.CallAsync(tool, arguments);
        Assert.False(result.IsError == true, $"{tool} failed: {result.Text()}");
        return result.Text();
    }

    /// <summary>The message of a failed call; fails the test if the call succeeded.</summary>
    public static async Task<string> ErrorAsync(this InMemoryMcp mcp, string tool, object? arguments = null)
    {
        var result = await mcp.CallAsync(tool, arguments);
        Assert.True(result.IsError == true, $"{tool} should have failed but returned: {result.Text()}");
        return result.Text();
    }
}
