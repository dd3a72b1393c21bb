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
            .AddPrimitivesFrom(new EverythingInputRequiredTools(state))
            .AddPrimitivesFrom(typeof(EverythingInputRequiredPrompts), target: null);
        catalog.Tools.Add(CreateJsonSchema2020Tool());
        catalog.Tools.Add(CreateCustomHeadersTool());
        return catalog;
    }

    // The conformance scenario json-schema-2020-12 checks that 2020-12 keywords reach the client untouched ($schema,
    // $defs with $anchor, $ref, allOf/anyOf, if/then/else, additionalProperties), so the schema is given verbatim:
    // one inferred from a method signature cannot express them.
    private static McpServerTool CreateJsonSchema2020Tool() => RawSchemaTool(
        (JsonElement? name, JsonElement? address, JsonElement? contactMethod, JsonElement? phone, JsonElement? email) => "Received arguments matching the JSON Schema 2020-12 input schema.",
        JsonSchema2020ToolName,
        "Tool with JSON Schema 2020-12 features",
        """
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "type": "object",
          "$defs": {
            "address": {
              "$anchor": "addressDef",
              "type": "object",
              "properties": { "street": { "type": "string" }, "city": { "type": "string" } }
            }
          },
          "properties": {
            "name": { "type": "string" },
            "address": { "$ref": "#/$defs/address" },
            "contactMethod": { "type": "string", "enum": ["phone", "email"] },
            "phone": { "type": "string" },
            "email": { "type": "string" }
          },
          "allOf": [{ "anyOf": [{ "required": ["phone"] }, { "required": ["email"] }] }],
          "if": { "properties": { "contactMethod": { "const": "phone" } }, "required": ["contactMethod"] },
          "then": { "required": ["phone"] },
          "else": { "required": ["email"] },
          "additionalProperties": false
        }
        """);

    // SEP-2243: parameters annotated x-mcp-header are mirrored in Mcp-Param-* request headers, which the gateway checks
    // against the body (http-custom-header-server-validation).
    private static McpServerTool CreateCustomHeadersTool() => RawSchemaTool(
        (string region, long? priority = null, bool? verbose = null, string? query = null) => $"region={region}, priority={priority?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, verbose={verbose?.ToString() ?? "none"}, query={query ?? "none"}",
        "test_custom_headers",
        "Echoes its arguments; region, priority and verbose travel in Mcp-Param-* headers too.",
        """
        {
          "type": "object",
          "properties": {
            "region": { "type": "string", "description": "Where to run.", "x-mcp-header": "Region" },
            "priority": { "type": "integer", "description": "How urgent.", "x-mcp-header": "Priority" },
            "verbose": { "type": "boolean", "description": "Say more.", "x-mcp-header": "Verbose" },
            "query": { "type": "string", "description": "Stays in the body only." }
          },
          "required": ["region"]
        }
        """);

    private static McpServerTool RawSchemaTool(Delegate method, string name, string description, string inputSchema)
    {
        var tool = McpServerTool.Create(method, new McpServerToolCreateOptions { Name = name, Description = description, ReadOnly = true });
        tool.ProtocolTool.InputSchema = JsonElement.Parse(inputSchema);
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
