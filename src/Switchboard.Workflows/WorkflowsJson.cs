using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Switchboard.Workflows.Tasks;

namespace Switchboard.Workflows;

/// <summary>Source-generated JSON for the workflow types (the published executable trims reflection-based serialization).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ToolCallPayload))]
[JsonSerializable(typeof(RemoteTaskPayload))]
[JsonSerializable(typeof(Engine.WorkflowJobPayload))]
[JsonSerializable(typeof(CreateTaskResult))]
[JsonSerializable(typeof(JsonNode))]
internal sealed partial class WorkflowsJson : JsonSerializerContext;
