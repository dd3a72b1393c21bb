using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Server;

namespace Switchboard.Servers.Filesystem.Tools;

/// <summary>
/// The schema details C# types cannot express, set to what the reference server publishes: an optional array
/// argument defaulting to <c>[]</c> (C# can only default to null), closed output objects
/// (<c>additionalProperties: false</c>), and read_media_file's output, a union of image/audio and resource blocks.
/// </summary>
internal static class ReferenceSchemas
{
    private const string MediaOutputSchema = """
        {"type":"object","properties":{"content":{"type":"array","items":{"anyOf":[
          {"type":"object","properties":{"type":{"type":"string","enum":["image","audio"]},"data":{"type":"string"},"mimeType":{"type":"string"}},"required":["type","data","mimeType"],"additionalProperties":false},
          {"type":"object","properties":{"type":{"type":"string","const":"resource"},"resource":{"type":"object","properties":{"uri":{"type":"string"},"mimeType":{"type":"string"},"blob":{"type":"string"}},"required":["uri","blob"],"additionalProperties":false}},"required":["type","resource"],"additionalProperties":false}]}}},
         "required":["content"],"additionalProperties":false}
        """;

    private const string TextOutputSchema = """
        {"type":"object","properties":{"content":{"type":"string"}},"required":["content"],"additionalProperties":false}
        """;

    public static void Apply(McpServerTool tool)
    {
        var protocolTool = tool.ProtocolTool;
        protocolTool.OutputSchema = JsonElement.Parse(protocolTool.Name == "read_media_file" ? MediaOutputSchema : TextOutputSchema);

        var input = JsonNode.Parse(protocolTool.InputSchema.GetRawText())!.AsObject();
        if (input["properties"]?["excludePatterns"] is not null)
        {
            input["properties"]!["excludePatterns"] = new JsonObject
            {
                ["type"] = "array",
                ["items"] = new JsonObject { ["type"] = "string" },
                ["default"] = new JsonArray(),
            };
            protocolTool.InputSchema = JsonSerializer.SerializeToElement(input);
        }
    }
}
