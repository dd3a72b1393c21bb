using System.ComponentModel;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Servers.Filesystem.Editing;
using Switchboard.Servers.Filesystem.Sandbox;

namespace Switchboard.Servers.Filesystem.Tools;

/// <summary>read_text_file, read_file, read_media_file and read_multiple_files.</summary>
[McpServerToolType]
internal sealed class ReadTools(FileSandbox sandbox)
{
    private const string TailDescription = "If provided, returns only the last N lines of the file";
    private const string HeadDescription = "If provided, returns only the first N lines of the file";

    [McpServerTool(Name = "read_file", Title = "Read File (Deprecated)", ReadOnly = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(TextOutput))]
    [Description("Read the complete contents of a file as text. DEPRECATED: Use read_text_file instead.")]
    public Task<CallToolResult> ReadFileAsync(
        McpServer server,
        string path,
        [Description(TailDescription)] double? tail = null,
        [Description(HeadDescription)] double? head = null,
        CancellationToken cancellationToken = default) =>
        ReadTextFileAsync(server, path, tail, head, cancellationToken);

    [McpServerTool(Name = "read_text_file", Title = "Read Text File", ReadOnly = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(TextOutput))]
    [Description("Read the complete contents of a file from the file system as text. Handles various text encodings and provides detailed error messages if the file cannot be read. Use this tool when you need to examine the contents of a single file. Use the 'head' parameter to read only the first N lines of a file, or the 'tail' parameter to read only the last N lines of a file. Operates on the file as text regardless of extension. Only works within allowed directories.")]
    public async Task<CallToolResult> ReadTextFileAsync(
        McpServer server,
        string path,
        [Description(TailDescription)] double? tail = null,
        [Description(HeadDescription)] double? head = null,
        CancellationToken cancellationToken = default)
    {
        var (allowed, resolved) = await sandbox.ResolveAsync(server, path, cancellationToken);

        // As the reference: 0 means "not given", and the check comes after the path is validated.
        bool hasHead = head is { } h && h != 0, hasTail = tail is { } t && t != 0;
        if (hasHead && hasTail)
        {
            ToolFailure.Throw("Cannot specify both head and tail parameters simultaneously");
        }

        string content;
        if (hasTail)
        {
            if (!resolved.Exists)
            {
                ToolFailure.NotFound("stat", resolved.FullPath);
            }

            using var stream = SafeFile.OpenRead(resolved, allowed, sandbox.MaxReadBytes, enforceLimit: false);
            content = TextLines.Tail(stream, tail!.Value, sandbox.MaxReadBytes);
        }
        else if (hasHead)
        {
            using var stream = SafeFile.OpenRead(resolved, allowed, sandbox.MaxReadBytes, enforceLimit: false);
            content = TextLines.Head(stream, head!.Value, sandbox.MaxReadBytes);
        }
        else
        {
            content = ReadText(resolved, allowed);
        }

        return ToolOutput.Text(content);
    }

    [McpServerTool(Name = "read_media_file", Title = "Read Media File", ReadOnly = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(MediaOutput))]
    [Description("Read a file and return it as a base64-encoded content block with its MIME type. Image and audio files are returned as image/audio content; any other file type is returned as an embedded resource. Only works within allowed directories.")]
    public async Task<CallToolResult> ReadMediaFileAsync(McpServer server, string path, CancellationToken cancellationToken = default)
    {
        var (allowed, resolved) = await sandbox.ResolveAsync(server, path, cancellationToken);
        byte[] bytes;
        using (var stream = SafeFile.OpenRead(resolved, allowed, sandbox.MaxReadBytes))
        {
            bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
        }

        string mimeType = MediaTypes.FromExtension(Path.GetExtension(resolved.FullPath));
        string data = Convert.ToBase64String(bytes);
        MediaItem item;
        ContentBlock block;
        if (mimeType.StartsWith("image/", StringComparison.Ordinal) || mimeType.StartsWith("audio/", StringComparison.Ordinal))
        {
            bool image = mimeType.StartsWith("image/", StringComparison.Ordinal);
            item = new MediaItem(image ? "image" : "audio", data, mimeType, null);
            block = image ? ImageContentBlock.FromBytes(bytes, mimeType) : AudioContentBlock.FromBytes(bytes, mimeType);
        }
        else
        {
            string uri = MediaTypes.FileUri(resolved.FullPath);
            item = new MediaItem("resource", null, null, new MediaResource(uri, mimeType, data));
            block = new EmbeddedResourceBlock { Resource = BlobResourceContents.FromBytes(bytes, uri, mimeType) };
        }

        return new CallToolResult
        {
            Content = [block],
            StructuredContent = System.Text.Json.JsonSerializer.SerializeToElement(
                new MediaOutput([item]),
                FilesystemJsonContext.Default.MediaOutput),
        };
    }

    [McpServerTool(Name = "read_multiple_files", Title = "Read Multiple Files", ReadOnly = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(TextOutput))]
    [Description("Read the contents of multiple files simultaneously. This is more efficient than reading files one by one when you need to analyze or compare multiple files. Each file's content is returned with its path as a reference. Failed reads for individual files won't stop the entire operation. Only works within allowed directories.")]
    public async Task<CallToolResult> ReadMultipleFilesAsync(
        McpServer server,
        [Description("Array of file paths to read. Each path must be a string pointing to a valid file within allowed directories.")] string[] paths,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Length == 0)
        {
            ToolFailure.Throw("At least one file path must be provided");
        }

        var allowed = await sandbox.AllowedAsync(server, cancellationToken);
        var results = new List<string>(paths.Length);
        long total = 0;
        foreach (string path in paths)
        {
            try
            {
                var resolved = PathResolver.Resolve(path, allowed, sandbox.MaxPathLength);
                string content = ReadText(resolved, allowed);
                total += content.Length;
                if (total > sandbox.MaxReadBytes)
                {
                    ToolFailure.Throw($"skipped: the files read so far already exceed {sandbox.MaxReadBytes:N0} bytes, the most one call returns (MaxReadBytes); read it in another call.");
                }

                results.Add($"{path}:\n{content}\n");
            }
            catch (ModelContextProtocol.McpException exception)
            {
                results.Add($"{path}: Error - {exception.Message}");
            }
        }

        return ToolOutput.Text(string.Join("\n---\n", results));
    }

    private string ReadText(ResolvedPath resolved, AllowedDirectories allowed)
    {
        using var stream = SafeFile.OpenRead(resolved, allowed, sandbox.MaxReadBytes);
        return TextLines.ReadAll(stream);
    }
}
