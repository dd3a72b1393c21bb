using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Switchboard.Upstreams.Pinning;

/// <summary>
/// The fingerprint a tool definition is pinned by: SHA-256 over its name, title, description, input and output
/// schemas and annotations, and the upstream's identity (<see cref="UpstreamOptions.Identity"/>), so the same definition
/// served from another address is a new one. Schemas are hashed as the upstream sent them.
/// </summary>
public static class ToolDefinitionHash
{
    /// <summary>The lower-case hex SHA-256 of <paramref name="tool"/> as served by <paramref name="upstreamIdentity"/>.</summary>
    public static string Compute(string upstreamIdentity, Tool tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        var definition = new JsonObject
        {
            ["upstream"] = upstreamIdentity,
            ["name"] = tool.Name,
            ["title"] = tool.Title,
            ["description"] = tool.Description,
            ["inputSchema"] = JsonNode.Parse(tool.InputSchema.GetRawText()),
            ["outputSchema"] = tool.OutputSchema is { } output ? JsonNode.Parse(output.GetRawText()) : null,
            ["annotations"] = tool.Annotations is { } annotations
                ? JsonSerializer.SerializeToNode(annotations, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ToolAnnotations)))
                : null,
        };
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(definition.ToJsonString())));
    }
}
