using System.Text.Json;
using System.Text.Json.Serialization;

namespace Switchboard.Servers.Everything;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(TemplateDocument))]
[JsonSerializable(typeof(IDictionary<string, JsonElement>))]
internal sealed partial class EverythingJson : JsonSerializerContext;
