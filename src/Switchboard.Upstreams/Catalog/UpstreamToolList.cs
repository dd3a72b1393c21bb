using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Switchboard.Upstreams.Catalog;

/// <summary>
/// Lists an upstream's tools, prompts, resources or resource templates one by one from raw <c>*/list</c> pages. The
/// SDK's typed listing throws for the whole list when a single entry cannot be represented (a tool whose input schema
/// lacks a top-level <c>"type":"object"</c>, say); here only that entry is left out.
/// </summary>
internal static class UpstreamToolList
{
    // A bound on pages, so an upstream that keeps returning a cursor cannot hold the gateway in a loop.
    private const int MaxPages = 100;

    /// <summary>The upstream's tools; <paramref name="seen"/>, when given, sees each one's raw entry too (for fields the SDK's <see cref="Tool"/> drops).</summary>
    public static Task<(List<Tool> Tools, List<string> Rejected)> ListAsync(McpClient client, CancellationToken cancellationToken, Action<Tool, JsonObject>? seen = null) =>
        ListAsync(client, RequestMethods.ToolsList, "tools", t => t.Name.Length > 0, cancellationToken, seen);

    /// <summary>Every entry of the array <paramref name="key"/> in the pages of <paramref name="method"/>, and the names of those left out.</summary>
    public static async Task<(List<T> Entries, List<string> Rejected)> ListAsync<T>(
        McpClient client, string method, string key, Func<T, bool> isValid, CancellationToken cancellationToken, Action<T, JsonObject>? seen = null)
        where T : class
    {
        var entries = new List<T>();
        var rejected = new List<string>();
        string? cursor = null;
        for (int page = 0; page < MaxPages; page++)
        {
            var request = new JsonRpcRequest
            {
                Method = method,
                Params = cursor is null ? new JsonObject() : new JsonObject { ["cursor"] = cursor },
            };
            var response = await client.SendRequestAsync(request, cancellationToken);
            if (response.Result?[key] is not JsonArray listed)
            {
                throw new McpException($"The upstream's {method} result has no '{key}' array.");
            }

            foreach (var entry in listed)
            {
                if (Parse<T>(entry) is { } parsed && isValid(parsed))
                {
                    entries.Add(parsed);
                    seen?.Invoke(parsed, (JsonObject)entry!);
                }
                else
                {
                    rejected.Add(NameOf(entry));
                }
            }

            cursor = response.Result["nextCursor"]?.GetValueKind() == JsonValueKind.String ? response.Result["nextCursor"]!.GetValue<string>() : null;
            if (cursor is null)
            {
                break;
            }
        }

        return (entries, rejected);
    }

    private static string NameOf(JsonNode? entry)
    {
        foreach (string field in (string[])["name", "uri", "uriTemplate"])
        {
            if (entry is JsonObject o && o[field]?.GetValueKind() == JsonValueKind.String)
            {
                return o[field]!.GetValue<string>();
            }
        }

        return "(unnamed)";
    }

    private static T? Parse<T>(JsonNode? entry) where T : class
    {
        try
        {
            return entry?.Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(T))) as T;
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }
}
