namespace Switchboard.Servers.Filesystem;

/// <summary>
/// Configuration of the <c>filesystem</c> server, bound from the <c>Servers:filesystem</c> section
/// (<c>Roots</c>, <c>ReadOnly</c> and the limits) or filled from <c>switchboard mcp filesystem --root DIR [--read-only]</c>.
/// </summary>
public sealed class FilesystemOptions
{
    /// <summary>The configuration section the host binds.</summary>
    public const string SectionName = "Servers:filesystem";

    /// <summary>
    /// The directories the server may touch, and everything below them. Nothing outside them is ever read, written,
    /// listed or moved; MCP roots sent by a client can only narrow this set. <c>~</c> expands to the home directory.
    /// </summary>
    public IList<string> Roots { get; } = new List<string>();

    /// <summary>When set, the writing tools (write_file, edit_file, create_directory, move_file) are not offered at all.</summary>
    public bool ReadOnly { get; set; }

    /// <summary>The largest file, in bytes, that a read tool returns (default 16 MiB).</summary>
    public long MaxReadBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>The largest content, in UTF-8 bytes, that write_file or edit_file writes (default 16 MiB).</summary>
    public long MaxWriteBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>The most entries one listing, tree or search returns before it fails with a message to narrow it (default 10,000).</summary>
    public int MaxEntries { get; set; } = 10_000;

    /// <summary>The deepest directory_tree descends below the requested directory (default 32).</summary>
    public int MaxTreeDepth { get; set; } = 32;

    /// <summary>How long one search_files or directory_tree call may walk the disk (default 10 seconds).</summary>
    public TimeSpan SearchTimeBudget { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest path accepted, in UTF-8 bytes (default 4,096, Linux's PATH_MAX).</summary>
    public int MaxPathLength { get; set; } = 4096;
}
