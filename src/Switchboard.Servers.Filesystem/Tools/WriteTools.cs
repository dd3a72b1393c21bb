using System.ComponentModel;
using System.Text;
using System.Text.Json.Serialization;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Servers.Filesystem.Editing;
using Switchboard.Servers.Filesystem.Sandbox;

namespace Switchboard.Servers.Filesystem.Tools;

/// <summary>One edit_file replacement, as the model writes it.</summary>
public sealed record EditOperation(
    [property: JsonPropertyName("oldText"), Description("Text to search for - must match exactly")] string OldText,
    [property: JsonPropertyName("newText"), Description("Text to replace with")] string NewText);

/// <summary>write_file, edit_file, create_directory and move_file: left out of tools/list when the server is read-only.</summary>
[McpServerToolType]
internal sealed class WriteTools(FileSandbox sandbox)
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    [McpServerTool(Name = "write_file", Title = "Write File", ReadOnly = false, Idempotent = true, Destructive = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(TextOutput))]
    [Description("Create a new file or completely overwrite an existing file with new content. Use with caution as it will overwrite existing files without warning. Handles text content with proper encoding. Only works within allowed directories.")]
    public async Task<CallToolResult> WriteFileAsync(McpServer server, string path, string content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var (allowed, resolved) = await sandbox.ResolveAsync(server, path, cancellationToken);
        Write(resolved, allowed, content);
        return ToolOutput.Text($"Successfully wrote to {path}");
    }

    [McpServerTool(Name = "edit_file", Title = "Edit File", ReadOnly = false, Idempotent = false, Destructive = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(TextOutput))]
    [Description("Make line-based edits to a text file. Each edit replaces exact line sequences with new content. Returns a git-style diff showing the changes made. Only works within allowed directories.")]
    public async Task<CallToolResult> EditFileAsync(
        McpServer server,
        string path,
        EditOperation[] edits,
        [Description("Preview changes using git-style diff format")] bool dryRun = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(edits);
        var (allowed, resolved) = await sandbox.ResolveAsync(server, path, cancellationToken);
        string original;
        using (var stream = SafeFile.OpenRead(resolved, allowed, sandbox.MaxReadBytes))
        {
            original = FileEditor.NormalizeLineEndings(TextLines.ReadAll(stream));
        }

        string modified = FileEditor.Apply(original, edits.Select(e => new TextEdit(e.OldText ?? "", e.NewText ?? "")), cancellationToken);
        string diff = FileEditor.FencedDiff(resolved.FullPath, original, modified, cancellationToken);
        if (!dryRun)
        {
            Write(resolved, allowed, modified);
        }

        return ToolOutput.Text(diff);
    }

    [McpServerTool(Name = "create_directory", Title = "Create Directory", ReadOnly = false, Idempotent = true, Destructive = false, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(TextOutput))]
    [Description("Create a new directory or ensure a directory exists. Can create multiple nested directories in one operation. If the directory already exists, this operation will succeed silently. Perfect for setting up directory structures for projects or ensuring required paths exist. Only works within allowed directories.")]
    public async Task<CallToolResult> CreateDirectoryAsync(McpServer server, string path, CancellationToken cancellationToken = default)
    {
        var (allowed, resolved) = await sandbox.ResolveAsync(server, path, cancellationToken);
        if (resolved.Exists && resolved.Kind != FileKind.Directory)
        {
            ToolFailure.Exists("mkdir", resolved.FullPath);
        }

        SafeFile.CreateDirectory(resolved, allowed);
        return ToolOutput.Text($"Successfully created directory {path}");
    }

    [McpServerTool(Name = "move_file", Title = "Move File", ReadOnly = false, Idempotent = false, Destructive = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(TextOutput))]
    [Description("Move or rename files and directories. Can move files between directories and rename them in a single operation. If the destination exists, the operation will fail. Works across different directories and can be used for simple renaming within the same directory. Both source and destination must be within allowed directories.")]
    public async Task<CallToolResult> MoveFileAsync(McpServer server, string source, string destination, CancellationToken cancellationToken = default)
    {
        var allowed = await sandbox.AllowedAsync(server, cancellationToken);
        var from = PathResolver.Resolve(source, allowed, sandbox.MaxPathLength);
        var to = PathResolver.Resolve(destination, allowed, sandbox.MaxPathLength);
        if (to.Exists || FileStat.Get(to.FullPath, followLinks: false).Kind != FileKind.Missing)
        {
            ToolFailure.Throw($"Destination already exists: {to.FullPath}");
        }

        if (!from.Exists || FileStat.Get(Path.GetDirectoryName(to.FullPath)!, followLinks: true).Kind != FileKind.Directory)
        {
            ToolFailure.Throw($"ENOENT: no such file or directory, rename '{from.FullPath}' -> '{to.FullPath}'");
        }

        if (from.Kind == FileKind.Directory && PathText.IsWithin(to.FullPath, from.FullPath))
        {
            ToolFailure.Throw($"EINVAL: invalid argument, rename '{from.FullPath}' -> '{to.FullPath}'");
        }

        SafeFile.Move(from, to);
        return ToolOutput.Text($"Successfully moved {source} to {destination}");
    }

    private void Write(ResolvedPath resolved, AllowedDirectories allowed, string content)
    {
        int bytes = Utf8.GetByteCount(content);
        if (bytes > sandbox.MaxWriteBytes)
        {
            ToolFailure.Throw($"Content too large: {bytes:N0} bytes, and the server writes at most {sandbox.MaxWriteBytes:N0} (MaxWriteBytes). Write the file in smaller pieces or ask the operator to raise the limit.");
        }

        SafeFile.WriteAtomic(resolved, allowed, Utf8.GetBytes(content));
    }
}
