using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Switchboard.Upstreams.Catalog;

/// <summary>
/// Lists an upstream's tools one by one from raw <c>tools/list</c> pages. The SDK's typed listing throws for the whole
/// list when a single tool's input schema lacks a top-level <c>"type":"object"</c>; here only that tool is left out.
/// </summary>
internal static class UpstreamToolList
{
    // A bound on pages, so an upstream that keeps returning a cursor cannot hold the gateway in a loop.
    private const int MaxPages = 100;

    public static async Task<(List<Tool> Tools, List<string> Rejected)> ListAsync(McpClient client, CancellationToken cancellationToken)
    {
        var tools = new List<Tool>();
        var rejected = new List<string>();
        string? cursor = null;
        for (int page = 0; page < MaxPages; page++)
        {
            var request = new JsonRpcRequest
            {
                Method = RequestMethods.ToolsList,
                Params = cursor is null ? new JsonObject() : new JsonObject { ["cursor"] = cursor },
            };
            var response = await client.SendRequestAsync(request, cancellationToken);
            if (response.Result?["tools"] is not JsonArray listed)
            {
                throw new McpException("The upstream's tools/list result has no 'tools' array.");
            }

            foreach (var entry in listed)
            {
                if (Parse(entry) is { } tool)
                {
                    tools.Add(tool);
                }
                else
                {
                    rejected.Add(entry?["name"]?.GetValueKind() == JsonValueKind.String ? entry["name"]!.GetValue<string>() : "(unnamed)");
                }
            }

            cursor = response.Result["nextCursor"]?.GetValueKind() == JsonValueKind.String ? response.Result["nextCursor"]!.GetValue<string>() : null;
            if (cursor is null)
            {
                break;
            }
        }

        return (tools, rejected);
    }

    private static Tool? Parse(JsonNode? entry)
    {
        try
        {
            return entry?.Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(Tool))) is Tool { Name.Length: > 0 } tool ? tool : null;
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }
}
