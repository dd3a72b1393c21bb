using System.ComponentModel;
using System.Globalization;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Servers.Filesystem.Sandbox;

namespace Switchboard.Servers.Filesystem.Tools;

/// <summary>get_file_info and list_allowed_directories.</summary>
[McpServerToolType]
internal sealed class InfoTools(FileSandbox sandbox)
{
    [McpServerTool(Name = "get_file_info", Title = "Get File Info", ReadOnly = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(TextOutput))]
    [Description("Retrieve detailed metadata about a file or directory. Returns comprehensive information including size, creation time, last modified time, permissions, and type. This tool is perfect for understanding file characteristics without reading the actual content. Only works within allowed directories.")]
    public async Task<CallToolResult> GetFileInfoAsync(McpServer server, string path, CancellationToken cancellationToken = default)
    {
        var (_, resolved) = await sandbox.ResolveAsync(server, path, cancellationToken);
        var stat = FileStat.Get(resolved.FullPath, followLinks: true);
        if (stat.Kind == FileKind.Missing)
        {
            ToolFailure.NotFound("stat", resolved.FullPath);
        }

        string text = string.Join('\n',
            "size: " + stat.Size.ToString(CultureInfo.InvariantCulture),
            $"created: {JsDate(stat.Created)}",
            $"modified: {JsDate(stat.Modified)}",
            $"accessed: {JsDate(stat.Accessed)}",
            $"isDirectory: {(stat.Kind == FileKind.Directory ? "true" : "false")}",
            $"isFile: {(stat.Kind == FileKind.File ? "true" : "false")}",
            $"permissions: {Convert.ToString(stat.Mode & 0x1FF, 8).PadLeft(3, '0')[^3..]}");
        return ToolOutput.Text(text);
    }

    [McpServerTool(Name = "list_allowed_directories", Title = "List Allowed Directories", ReadOnly = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(TextOutput))]
    [Description("Returns the list of directories that this server is allowed to access. Subdirectories within these allowed directories are also accessible. Use this to understand which directories and their nested paths are available before trying to access files.")]
    public async Task<CallToolResult> ListAllowedDirectoriesAsync(McpServer server, CancellationToken cancellationToken = default)
    {
        var allowed = await sandbox.AllowedAsync(server, cancellationToken);
        return ToolOutput.Text($"Allowed directories:\n{string.Join('\n', allowed.Directories)}");
    }

    /// <summary>JavaScript's <c>Date.prototype.toString()</c>: <c>Tue Jan 02 2024 10:00:00 GMT+0000 (Coordinated Universal Time)</c>.</summary>
    internal static string JsDate(DateTimeOffset instant)
    {
        var zone = TimeZoneInfo.Local;
        var local = TimeZoneInfo.ConvertTime(instant, zone);
        var offset = local.Offset;
        string sign = offset < TimeSpan.Zero ? "-" : "+";
        string name = zone.IsDaylightSavingTime(local) ? zone.DaylightName : zone.StandardName;
        return string.Create(CultureInfo.InvariantCulture, $"{local:ddd MMM dd yyyy HH:mm:ss} GMT{sign}{Math.Abs(offset.Hours):00}{Math.Abs(offset.Minutes):00} ({name})");
    }
}
