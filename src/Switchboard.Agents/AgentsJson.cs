using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Switchboard.Workflows.Tasks;

namespace Switchboard.Agents;

/// <summary>Source-generated JSON for the agent types (the published executable trims reflection-based serialization).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ToolCallPayload))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(IDictionary<string, object?>))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class AgentsJson : JsonSerializerContext;
