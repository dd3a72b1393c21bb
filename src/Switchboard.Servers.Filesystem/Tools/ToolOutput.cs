using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ModelContextProtocol.Protocol;

namespace Switchboard.Servers.Filesystem.Tools;

/// <summary>The reference server's output shape: the text as a text block, and again as <c>structuredContent.content</c>.</summary>
internal sealed record TextOutput([property: JsonPropertyName("content")] string Content);

/// <summary>read_media_file's output schema: the content blocks again under <c>structuredContent.content</c>.</summary>
internal sealed record MediaOutput([property: JsonPropertyName("content")] IReadOnlyList<MediaItem> Content);

/// <summary>One image, audio or embedded-resource block.</summary>
internal sealed record MediaItem(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("data")] string? Data,
    [property: JsonPropertyName("mimeType")] string? MimeType,
    [property: JsonPropertyName("resource")] MediaResource? Resource);

/// <summary>An embedded resource's blob.</summary>
internal sealed record MediaResource(
    [property: JsonPropertyName("uri")] string Uri,
    [property: JsonPropertyName("mimeType")] string? MimeType,
    [property: JsonPropertyName("blob")] string Blob);

internal static class ToolOutput
{
    /// <summary>A successful result carrying <paramref name="text"/> both ways.</summary>
    public static CallToolResult Text(string text) => new()
    {
        Content = [new TextContentBlock { Text = text }],
        StructuredContent = JsonSerializer.SerializeToElement(new JsonObject { ["content"] = text }),
    };
}
