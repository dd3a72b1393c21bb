using System.Collections;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;

namespace Switchboard.Gateway.Http;

/// <summary>
/// An exception's <see cref="Exception.Data"/> as the <c>data</c> of the JSON-RPC error that answers it, as the SDK
/// writes it (<c>McpSessionHandler.ConvertExceptionData</c>): the string-keyed entries that serialize, or nothing.
/// </summary>
internal static class McpErrorData
{
    private static readonly JsonTypeInfo<object?> ValueType = (JsonTypeInfo<object?>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(object));

    public static Dictionary<string, JsonElement>? Of(IDictionary data)
    {
        Dictionary<string, JsonElement>? converted = null;
        foreach (DictionaryEntry entry in data)
        {
            if (entry.Key is not string key)
            {
                continue;
            }

            try
            {
                var value = entry.Value is JsonElement element ? element : JsonSerializer.SerializeToElement(entry.Value, ValueType);
                (converted ??= new Dictionary<string, JsonElement>(data.Count))[key] = value;
            }
            catch (Exception e) when (e is JsonException or NotSupportedException)
            {
                // as the SDK: an entry that does not serialize is left out, not the answer
            }
        }

        return converted;
    }
}
