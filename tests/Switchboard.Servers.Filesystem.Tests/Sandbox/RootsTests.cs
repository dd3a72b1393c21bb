using System.Diagnostics;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Switchboard.Servers.Filesystem.Tests.Sandbox;

/// <summary>MCP roots narrow the sandbox per session, and never widen it.</summary>
public sealed class RootsTests : IDisposable
{
    private readonly FilesystemTree _tree = new();
    private volatile Root[] _roots = [];

    public void Dispose() => _tree.Dispose();

    private McpClientOptions ClientWithRoots() => new()
    {
        Capabilities = new ClientCapabilities { Roots = new RootsCapability { ListChanged = true } },
        Handlers = new McpClientHandlers
        {
            RootsHandler = (_, _) => ValueTask.FromResult(new ListRootsResult { Roots = _roots }),
        },
    };

    private static Root Root(string path) => new() { Uri = new Uri(path).AbsoluteUri, Name = Path.GetFileName(path) };

    [Fact]
    public async Task ClientRoot_InsideConfiguredRoot_ReplacesTheAllowedDirectories()
    {
        _roots = [Root(_tree.InRoot("docs"))];
        await using var mcp = await _tree.ConnectAsync(clientOptions: ClientWithRoots());

        Assert.Equal($"Allowed directories:\n{_tree.InRoot("docs")}", await mcp.TextAsync("list_allowed_directories"));
        Assert.Equal("# Readme\n", await mcp.TextAsync("read_text_file", new { path = _tree.InRoot("docs/readme.md") }));
        Assert.StartsWith("Access denied - path outside allowed directories", await mcp.ErrorAsync("read_text_file", new { path = _tree.InRoot("hello.txt") }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientRoots_OutsideOrAboveConfiguredRoot_NeverWidenTheSandbox()
    {
        _roots = [Root(_tree.Outside), Root(_tree.Base), Root("/")];
        await using var mcp = await _tree.ConnectAsync(clientOptions: ClientWithRoots());

        Assert.Equal($"Allowed directories:\n{_tree.Root}", await mcp.TextAsync("list_allowed_directories"));
        Assert.StartsWith("Access denied", await mcp.ErrorAsync("read_text_file", new { path = _tree.InOutside("secret.txt") }), StringComparison.Ordinal);
        Assert.StartsWith("Access denied", await mcp.ErrorAsync("list_directory", new { path = _tree.Base }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientRoots_NoneUsable_KeepTheConfiguredRoots()
    {
        _roots = [Root(_tree.Outside), new Root { Uri = "file:///does/not/exist" }];
        await using var mcp = await _tree.ConnectAsync(clientOptions: ClientWithRoots());

        Assert.Equal($"Allowed directories:\n{_tree.Root}", await mcp.TextAsync("list_allowed_directories"));
    }

    [Fact]
    public async Task RootsListChanged_NewRoots_AreFetchedAgain()
    {
        _roots = [Root(_tree.InRoot("docs"))];
        await using var mcp = await _tree.ConnectAsync(clientOptions: ClientWithRoots());
        Assert.Equal($"Allowed directories:\n{_tree.InRoot("docs")}", await mcp.TextAsync("list_allowed_directories"));

        _roots = [Root(_tree.InRoot("src"))];
        await mcp.Client.SendNotificationAsync(NotificationMethods.RootsListChangedNotification, cancellationToken: TestContext.Current.CancellationToken);

        // The notification is handled asynchronously: poll with a deadline.
        string expected = $"Allowed directories:\n{_tree.InRoot("src")}";
        var deadline = Stopwatch.StartNew();
        string actual;
        do
        {
            actual = await mcp.TextAsync("list_allowed_directories");
        }
        while (actual != expected && deadline.Elapsed < TimeSpan.FromSeconds(10));

        Assert.Equal(expected, actual);
        Assert.StartsWith("Access denied", await mcp.ErrorAsync("read_text_file", new { path = _tree.InRoot("docs/readme.md") }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientWithoutRoots_UsesTheConfiguredRoots()
    {
        await using var mcp = await _tree.ConnectAsync();
        Assert.Equal($"Allowed directories:\n{_tree.Root}", await mcp.TextAsync("list_allowed_directories"));
    }
}
