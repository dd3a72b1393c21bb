using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Servers.Filesystem.Sandbox;
using Switchboard.Servers.Filesystem.Search;
using Switchboard.Tools;

namespace Switchboard.Servers.Filesystem.Tools;

/// <summary>How list_directory_with_sizes orders its entries.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ListingOrder>))]
public enum ListingOrder
{
    /// <summary>By name, as JavaScript's localeCompare sorts.</summary>
    [JsonStringEnumMemberName("name")] Name,

    /// <summary>Largest first.</summary>
    [JsonStringEnumMemberName("size")] Size,
}

/// <summary>One node of directory_tree's JSON.</summary>
internal sealed record TreeEntry(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("children")] List<TreeEntry>? Children);

/// <summary>list_directory, list_directory_with_sizes and directory_tree.</summary>
[McpServerToolType]
internal sealed class DirectoryTools(FileSandbox sandbox)
{
    [McpServerTool(Name = "list_directory", Title = "List Directory", ReadOnly = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(TextOutput))]
    [Description("Get a detailed listing of all files and directories in a specified path. Results clearly distinguish between files and directories with [FILE] and [DIR] prefixes. This tool is essential for understanding directory structure and finding specific files within a directory. Only works within allowed directories.")]
    public async Task<CallToolResult> ListDirectoryAsync(McpServer server, string path, CancellationToken cancellationToken = default)
    {
        var (_, resolved) = await sandbox.ResolveAsync(server, path, cancellationToken);
        var entries = DirectoryEntries.Read(resolved.FullPath, sandbox.MaxEntries, path);
        return ToolOutput.Text(string.Join('\n', entries.Select(e => $"{(e.IsDirectory ? "[DIR]" : "[FILE]")} {e.Name}")));
    }

    [McpServerTool(Name = "list_directory_with_sizes", Title = "List Directory with Sizes", ReadOnly = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(TextOutput))]
    [Description("Get a detailed listing of all files and directories in a specified path, including sizes. Results clearly distinguish between files and directories with [FILE] and [DIR] prefixes. This tool is useful for understanding directory structure and finding specific files within a directory. Only works within allowed directories.")]
    public async Task<CallToolResult> ListDirectoryWithSizesAsync(
        McpServer server,
        string path,
        [Description("Sort entries by name or size")] ListingOrder sortBy = ListingOrder.Name,
        CancellationToken cancellationToken = default)
    {
        var (allowed, resolved) = await sandbox.ResolveAsync(server, path, cancellationToken);
        var entries = DirectoryEntries.Read(resolved.FullPath, sandbox.MaxEntries, path)
            .Select(e => (e.Name, e.IsDirectory, Size: SizeOf(e, allowed)))
            .ToList();

        // Array.prototype.sort is stable; so is OrderBy. Names compare as localeCompare does: by ICU's root collation,
        // which the invariant culture uses too (the product ships ICU), whatever the host's culture.
        var sorted = sortBy == ListingOrder.Size
            ? entries.OrderByDescending(e => e.Size).ToList()
            : [.. entries.OrderBy(e => e.Name, StringComparer.InvariantCulture)];
        var lines = sorted.Select(e => $"{(e.IsDirectory ? "[DIR]" : "[FILE]")} {e.Name.PadRight(30)} {(e.IsDirectory ? "" : FormatSize(e.Size).PadLeft(10))}").ToList();
        lines.Add("");
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"Total: {entries.Count(e => !e.IsDirectory)} files, {entries.Count(e => e.IsDirectory)} directories"));
        lines.Add($"Combined size: {FormatSize(entries.Where(e => !e.IsDirectory).Sum(e => e.Size))}");
        return ToolOutput.Text(string.Join('\n', lines));
    }

    [McpServerTool(Name = "directory_tree", Title = "Directory Tree", ReadOnly = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(TextOutput))]
    [Description("Get a recursive tree view of files and directories as a JSON structure. Each entry includes 'name', 'type' (file/directory), and 'children' for directories. Files have no children array, while directories always have a children array (which may be empty). The output is formatted with 2-space indentation for readability. Only works within allowed directories.")]
    public async Task<CallToolResult> DirectoryTreeAsync(
        McpServer server,
        string path,
        string[]? excludePatterns = null,
        CancellationToken cancellationToken = default)
    {
        var (_, resolved) = await sandbox.ResolveAsync(server, path, cancellationToken);
        var excludes = (excludePatterns ?? []).Select(exclude => TreeExclude.Parse(exclude, cancellationToken)).ToList();
        var budget = new WalkBudget(sandbox, path, limitEntries: true, cancellationToken);
        var tree = Build(resolved.FullPath, "", excludes, depth: 0, budget);
        return ToolOutput.Text(JsonSerializer.Serialize(tree.ToArray(), ToolJson.Indented));
    }

    private List<TreeEntry> Build(string directory, string relative, List<TreeExclude> excludes, int depth, WalkBudget budget)
    {
        if (depth >= sandbox.MaxTreeDepth)
        {
            ToolFailure.Throw($"directory_tree reached {sandbox.MaxTreeDepth} levels below {budget.Requested}, the deepest it goes (MaxTreeDepth): ask for a subdirectory or add excludePatterns.");
        }

        var result = new List<TreeEntry>();
        foreach (var entry in DirectoryEntries.Read(directory, sandbox.MaxEntries, budget.Requested))
        {
            budget.Step();
            string entryRelative = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;
            if (excludes.Any(exclude => exclude.IsMatch(entryRelative)))
            {
                continue;
            }

            result.Add(entry.IsDirectory
                ? new TreeEntry(entry.Name, "directory", Build(entry.FullPath, entryRelative, excludes, depth + 1, budget))
                : new TreeEntry(entry.Name, "file", null));
        }

        return result;
    }

    private static long SizeOf(DirectoryEntry entry, AllowedDirectories allowed)
    {
        // As the reference: a link counts as its target, and an entry that cannot be stat'ed counts as 0 bytes. Unlike
        // it, a target outside the sandbox counts as 0 bytes too, as a missing one does: its size would tell what exists there.
        string path = entry.FullPath;
        if (entry.IsSymlink)
        {
            if (PathResolver.TryRealPath(entry.FullPath) is not { } target || !allowed.Contains(target))
            {
                return 0;
            }

            path = target; // the checked real path, not the link again: it may be pointed elsewhere meanwhile
        }

        try
        {
            var stat = FileStat.Get(path, followLinks: false);
            return stat.Kind == FileKind.Missing ? 0 : stat.Size;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>The reference's formatSize: B up to 1023, then KB/MB/GB/TB with two decimals.</summary>
    internal static string FormatSize(long bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB"];
        if (bytes <= 0)
        {
            return "0 B";
        }

        int i = (int)Math.Floor(Math.Log(bytes) / Math.Log(1024));
        if (i <= 0)
        {
            return bytes.ToString(CultureInfo.InvariantCulture) + " B";
        }

        int unit = Math.Min(i, units.Length - 1);
        return (bytes / Math.Pow(1024, unit)).ToString("F2", CultureInfo.InvariantCulture) + " " + units[unit];
    }
}

/// <summary>directory_tree's exclusion: a pattern with <c>*</c> as given; otherwise also as a name anywhere or a directory anywhere.</summary>
internal sealed class TreeExclude
{
    private readonly Glob[] _globs;

    private TreeExclude(Glob[] globs) => _globs = globs;

    public static TreeExclude Parse(string pattern, CancellationToken cancellationToken) =>
        new(pattern.Contains('*', StringComparison.Ordinal)
            ? [Glob.Parse(pattern, cancellationToken)]
            : [Glob.Parse(pattern, cancellationToken), Glob.Parse($"**/{pattern}", cancellationToken), Glob.Parse($"**/{pattern}/**", cancellationToken)]);

    public bool IsMatch(string relativePath) => _globs.Any(glob => glob.IsMatch(relativePath));
}

/// <summary>The limits on one walk of the tree: time spent, and entries returned when the walk returns them all.</summary>
internal sealed class WalkBudget(FileSandbox sandbox, string requested, bool limitEntries, CancellationToken cancellationToken)
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private int _entries;

    public string Requested { get; } = requested;

    public void Step()
    {
        if (++_entries > sandbox.MaxEntries && limitEntries)
        {
            ToolFailure.Throw($"{Requested} holds more than {sandbox.MaxEntries:N0} entries, the most one call walks (MaxEntries): ask for a subdirectory, a narrower pattern or excludePatterns.");
        }

        // At every entry, not every so many: matching one entry can take a regex timeout per pattern alternative.
        cancellationToken.ThrowIfCancellationRequested();
        if (Stopwatch.GetElapsedTime(_started) > sandbox.SearchTimeBudget)
        {
            ToolFailure.Throw($"Walking {Requested} took longer than {sandbox.SearchTimeBudget.TotalSeconds:0.#} s, the search time budget (SearchTimeBudget): ask for a subdirectory, a narrower pattern or excludePatterns.");
        }
    }
}
