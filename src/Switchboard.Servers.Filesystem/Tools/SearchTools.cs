using System.ComponentModel;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Servers.Filesystem.Sandbox;
using Switchboard.Servers.Filesystem.Search;

namespace Switchboard.Servers.Filesystem.Tools;

/// <summary>search_files.</summary>
[McpServerToolType]
internal sealed class SearchTools(FileSandbox sandbox)
{
    [McpServerTool(Name = "search_files", Title = "Search Files", ReadOnly = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(TextOutput))]
    [Description("Recursively search for files and directories matching a pattern. The patterns should be glob-style patterns that match paths relative to the working directory. Use pattern like '*.ext' to match files in current directory, and '**/*.ext' to match files in all subdirectories. Returns full paths to all matching items. Great for finding files when you don't know their exact location. Only searches within allowed directories.")]
    public async Task<CallToolResult> SearchFilesAsync(
        McpServer server,
        string path,
        string pattern,
        string[]? excludePatterns = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var (allowed, resolved) = await sandbox.ResolveAsync(server, path, cancellationToken);
        var glob = Glob.Parse(pattern, cancellationToken);
        var excludes = (excludePatterns ?? []).Select(exclude => Glob.Parse(exclude, cancellationToken)).ToList();
        var budget = new WalkBudget(sandbox, path, limitEntries: false, cancellationToken);
        var results = new List<string>();
        Search(resolved.FullPath, "", glob, excludes, allowed, budget, results);
        return ToolOutput.Text(results.Count > 0 ? string.Join('\n', results) : "No matches found");
    }

    private void Search(string directory, string relative, Glob glob, List<Glob> excludes, AllowedDirectories allowed, WalkBudget budget, List<string> results)
    {
        List<DirectoryEntry> entries;
        try
        {
            entries = DirectoryEntries.Read(directory, sandbox.MaxEntries, budget.Requested);
        }
        catch (ModelContextProtocol.McpException) when (relative.Length > 0)
        {
            return; // as the reference: a subdirectory that cannot be read is skipped
        }

        foreach (var entry in entries)
        {
            budget.Step();

            // Entries of a directory inside the sandbox are inside it too, except links, which must resolve inside
            // (the reference validates every entry and skips the ones that fail).
            if (entry.IsSymlink && (PathResolver.TryRealPath(entry.FullPath) is not { } target || !allowed.Contains(target)))
            {
                continue;
            }

            string entryRelative = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;
            if (excludes.Any(exclude => exclude.IsMatch(entryRelative)))
            {
                continue;
            }

            if (glob.IsMatch(entryRelative))
            {
                results.Add(entry.FullPath);
                if (results.Count > sandbox.MaxEntries)
                {
                    ToolFailure.Throw($"search_files found more than {sandbox.MaxEntries:N0} matches, the most it returns (MaxEntries): use a narrower pattern or excludePatterns.");
                }
            }

            if (entry.IsDirectory)
            {
                Search(entry.FullPath, entryRelative, glob, excludes, allowed, budget, results);
            }
        }
    }
}
