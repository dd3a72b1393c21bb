using System.ComponentModel;
using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Tools;

namespace Switchboard.Servers.Everything;

/// <summary>Direct resources, a resource template and a subscribable resource.</summary>
[McpServerResourceType]
internal sealed class EverythingResources(EverythingState state)
{
    [McpServerResource(UriTemplate = "test://static-text", Name = "static-text", MimeType = "text/plain")]
    [Description("A fixed text resource.")]
    public static TextResourceContents StaticText() =>
        new() { Uri = "test://static-text", MimeType = "text/plain", Text = "This is the content of the static text resource." };

    [McpServerResource(UriTemplate = "test://static-binary", Name = "static-binary", MimeType = "image/png")]
    [Description("A fixed binary resource: a 1x1 PNG image.")]
    public static BlobResourceContents StaticBinary() =>
        BlobResourceContents.FromBytes(TestMedia.Png, "test://static-binary", "image/png");

    [McpServerResource(UriTemplate = "test://template/{id}/data", Name = "template-data", MimeType = "application/json")]
    [Description("JSON data for the item whose id is in the URI.")]
    public static TextResourceContents TemplateData([Description("The item's id.")] string id) => new()
    {
        Uri = $"test://template/{id}/data",
        MimeType = "application/json",
        Text = JsonSerializer.Serialize(new TemplateDocument(id, true, $"Data for ID: {id}"), ToolJson.Options),
    };

    [McpServerResource(UriTemplate = EverythingState.WatchedResourceUri, Name = "watched-resource", MimeType = "text/plain")]
    [Description("A text resource that changes when the tool test_update_watched_resource runs; subscribe to hear about it.")]
    public TextResourceContents WatchedResource() =>
        new() { Uri = EverythingState.WatchedResourceUri, MimeType = "text/plain", Text = state.WatchedResourceText };
}

internal sealed record TemplateDocument(string Id, bool TemplateTest, string Data);
