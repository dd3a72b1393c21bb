using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Registry;

namespace Switchboard.Servers.Everything;

/// <summary>
/// The built-in <c>everything</c> server: every MCP feature the official conformance suite exercises, plus the
/// server-to-client paths (roots, list_changed, resource updates) the gateway must pass through. A test fixture,
/// off in production configuration.
/// </summary>
public static class EverythingServer
{
    /// <summary>The server's registry name.</summary>
    public const string Name = "everything";

    private const string JsonSchema2020ToolName = "json_schema_2020_12_tool";

    private static readonly Dictionary<string, string[]> CompletionVocabulary = new(StringComparer.Ordinal)
    {
        ["arg1"] = ["paris", "park", "party", "tokyo"],
        ["arg2"] = ["hello", "help", "world"],
        ["id"] = ["1", "2", "3", "123"],
    };

    /// <summary>Creates a fresh catalog; each has its own state (dynamic tool, watched resource, subscriptions).</summary>
    public static McpServerCatalog CreateCatalog()
    {
        var state = new EverythingState();
        var catalog = new McpServerCatalog(Name, "MCP conformance test server: every content type, sampling, elicitation, progress, logging, roots and subscriptions.")
        {
            CompleteHandler = CompleteAsync,
            SubscribeHandler = state.SubscribeAsync,
            UnsubscribeHandler = state.UnsubscribeAsync,
        };
        state.Tools = catalog.Tools;

        catalog
            .AddPrimitivesFrom(new EverythingTools(state))
            .AddPrimitivesFrom(new EverythingTaskTools())
            .AddPrimitivesFrom(new EverythingResources(state))
            .AddPrimitivesFrom(typeof(EverythingPrompts), target: null)
            .Tools.Add(CreateJsonSchema2020Tool());
        return catalog;
    }

    // The conformance scenario json-schema-2020-12 checks that $schema, $defs and additionalProperties reach the
    // client untouched, so the schema is given verbatim rather than inferred from a method signature.
    private static McpServerTool CreateJsonSchema2020Tool()
    {
        var tool = McpServerTool.Create(
            (JsonElement? name, JsonElement? address) => "Received arguments matching the JSON Schema 2020-12 input schema.",
            new McpServerToolCreateOptions { Name = JsonSchema2020ToolName, Description = "Tool with JSON Schema 2020-12 features", ReadOnly = true });
        tool.ProtocolTool.InputSchema = JsonElement.Parse("""
            {
              "$schema": "https://json-schema.org/draft/2020-12/schema",
              "type": "object",
              "$defs": {
                "address": {
                  "type": "object",
                  "properties": { "street": { "type": "string" }, "city": { "type": "string" } }
                }
              },
              "properties": {
                "name": { "type": "string" },
                "address": { "$ref": "#/$defs/address" }
              },
              "additionalProperties": false
            }
            """);
        return tool;
    }

    private static ValueTask<CompleteResult> CompleteAsync(RequestContext<CompleteRequestParams> request, CancellationToken cancellationToken)
    {
        var argument = request.Params?.Argument;
        string[] values = argument is not null && CompletionVocabulary.TryGetValue(argument.Name, out var vocabulary)
            ? [.. vocabulary.Where(v => v.StartsWith(argument.Value ?? string.Empty, StringComparison.OrdinalIgnoreCase))]
            : [];
        return ValueTask.FromResult(new CompleteResult { Completion = new Completion { Values = values, Total = values.Length, HasMore = false } });
    }
}
