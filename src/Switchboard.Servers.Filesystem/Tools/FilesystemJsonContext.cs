using System.Text.Json.Serialization;

namespace Switchboard.Servers.Filesystem.Tools;

/// <summary>Source-generated JSON for the structured outputs; absent members are left out, as the reference does.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(MediaOutput))]
internal sealed partial class FilesystemJsonContext : JsonSerializerContext;
