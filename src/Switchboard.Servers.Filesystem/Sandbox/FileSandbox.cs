using ModelContextProtocol.Server;

namespace Switchboard.Servers.Filesystem.Sandbox;

/// <summary>What every tool shares: the limits, the configured roots and each session's narrowed roots.</summary>
internal sealed class FileSandbox
{
    public FileSandbox(FilesystemOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        MaxReadBytes = options.MaxReadBytes;
        MaxWriteBytes = options.MaxWriteBytes;
        MaxEntries = options.MaxEntries;
        MaxTreeDepth = options.MaxTreeDepth;
        SearchTimeBudget = options.SearchTimeBudget;
        MaxPathLength = options.MaxPathLength;
        Roots = new SessionRoots(AllowedDirectories.FromConfiguredRoots(options.Roots));
    }

    public long MaxReadBytes { get; }

    public long MaxWriteBytes { get; }

    public int MaxEntries { get; }

    public int MaxTreeDepth { get; }

    public TimeSpan SearchTimeBudget { get; }

    public int MaxPathLength { get; }

    public SessionRoots Roots { get; }

    /// <summary>The directories <paramref name="server"/>'s session may use.</summary>
    public ValueTask<AllowedDirectories> AllowedAsync(McpServer? server, CancellationToken cancellationToken) =>
        Roots.GetAsync(server, cancellationToken);

    /// <summary>Resolves one path for <paramref name="server"/>'s session, or fails the call saying why.</summary>
    public async ValueTask<(AllowedDirectories Allowed, ResolvedPath Path)> ResolveAsync(McpServer? server, string path, CancellationToken cancellationToken)
    {
        var allowed = await AllowedAsync(server, cancellationToken);
        return (allowed, PathResolver.Resolve(path, allowed, MaxPathLength));
    }
}
