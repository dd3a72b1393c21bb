using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Switchboard.Upstreams.Sessions;

/// <summary>
/// What the caller can answer (elicitation, sampling, roots), carried to a 2026-07-28 upstream in the request's
/// <c>_meta</c>, so it asks only what the caller can give. The SDK client lays its own (empty) capabilities over
/// these without removing any. The tasks extension stays behind: a call the gateway answers inline must not become an
/// upstream task whose handle the caller could never use. A caller's task is asked for explicitly
/// (<see cref="Tasks.UpstreamTaskCalls"/>) and followed by the gateway's own task.
/// </summary>
internal static class CallerCapabilities
{
    /// <summary>The 2026-07-28 per-request key (SEP-2575).</summary>
    public const string MetaKey = "io.modelcontextprotocol/clientCapabilities";

    private const string TasksExtension = "io.modelcontextprotocol/tasks";

    /// <summary>A <c>_meta</c> object with the caller's capabilities, or null when it declared none.</summary>
    public static JsonObject? Meta(ClientCapabilities? capabilities)
    {
        if (capabilities is null)
        {
            return null;
        }

        var declared = JsonSerializer.SerializeToNode(capabilities, McpJsonUtilities.DefaultOptions.GetTypeInfo<ClientCapabilities>());
        (declared?["extensions"] as JsonObject)?.Remove(TasksExtension);
        return new JsonObject { [MetaKey] = declared };
    }
}
