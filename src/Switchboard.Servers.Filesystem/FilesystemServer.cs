using Switchboard.Registry;
using Switchboard.Servers.Filesystem.Sandbox;
using Switchboard.Servers.Filesystem.Tools;
using Switchboard.Tools;

namespace Switchboard.Servers.Filesystem;

/// <summary>
/// The built-in <c>filesystem</c> server: a drop-in for the reference <c>@modelcontextprotocol/server-filesystem</c>
/// (same tools, arguments, outputs and error texts) with a stricter sandbox: every path is resolved part by part and
/// must stay inside the configured roots, writes are atomic and never follow a link out, and every walk is bounded.
/// See <c>docs/servers/filesystem.md</c>.
/// </summary>
public static class FilesystemServer
{
    /// <summary>The server's registry name.</summary>
    public const string Name = "filesystem";

    /// <summary>The tools that change the disk, which <see cref="FilesystemOptions.ReadOnly"/> leaves out.</summary>
    public static IReadOnlyList<string> WritingTools { get; } = ["write_file", "edit_file", "create_directory", "move_file"];

    /// <summary>Creates the catalog for <paramref name="options"/>; the roots are resolved now, once.</summary>
    public static McpServerCatalog CreateCatalog(FilesystemOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var sandbox = new FileSandbox(options);
        var catalog = new McpServerCatalog(
            Name,
            options.ReadOnly
                ? "Read-only access to files under the configured directories: read text and media files, list, tree, search and file info."
                : "Files under the configured directories: read, write, edit (with diffs), create directories, move, list, tree, search and file info.");
        catalog
            .AddPrimitivesFrom(new ReadTools(sandbox))
            .AddPrimitivesFrom(new DirectoryTools(sandbox))
            .AddPrimitivesFrom(new SearchTools(sandbox))
            .AddPrimitivesFrom(new InfoTools(sandbox));
        if (!options.ReadOnly)
        {
            catalog.AddPrimitivesFrom(new WriteTools(sandbox));
        }

        using (catalog.Tools.DeferChangedEvents())
        {
            foreach (var tool in catalog.Tools.ToList())
            {
                ReferenceSchemas.Apply(tool);
                catalog.Tools.Remove(tool);
                catalog.Tools.Add(new ReferenceErrorTool(tool));
            }
        }

        return catalog.WithArgumentChecks();
    }
}
