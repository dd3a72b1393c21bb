using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Switchboard.Gateway.Http;

/// <summary>
/// SEP-2243 for the tools a gateway endpoint shows: a <c>tools/call</c> of a tool whose input schema annotates a
/// parameter with <c>x-mcp-header: Name</c> must mirror that argument in an <c>Mcp-Param-Name</c> header (plain, or
/// <c>=?base64?…?=</c>), so that proxies can route on it without reading the body. A header that is missing, not
/// validly encoded, or not equal to the body is refused. The SDK (2.4) makes this check only for tools registered
/// up front, not for tools chosen per request as the gateway's views are, so the gateway makes it itself.
/// </summary>
internal static class McpParamHeaderCheck
{
    public const string ParamPrefix = "Mcp-Param-";

    /// <summary>
    /// Why the <c>Mcp-Param-*</c> headers do not match <paramref name="body"/> (a tools/call request), or null. Only a
    /// tool the caller <paramref name="mayCall"/> is looked at: for any other, the policy's refusal comes first, so
    /// the answer says nothing about the tool's parameters, or whether it exists.
    /// </summary>
    public static string? Mismatch(IHeaderDictionary headers, ReadOnlySpan<byte> body, McpServerPrimitiveCollection<McpServerTool> tools, Func<string, bool> mayCall)
    {
        bool paramHeadersSent = false;
        foreach (var (name, values) in headers)
        {
            if (name.StartsWith(ParamPrefix, StringComparison.OrdinalIgnoreCase))
            {
                paramHeadersSent = true;
                if (!IsFieldValue(values.ToString()))
                {
                    return $"the {name} header contains characters not allowed in an HTTP field value; encode the value as =?base64?…?=";
                }
            }
        }

        // Nearly every call: no Mcp-Param-* header, and the tool Mcp-Name names (which the SDK holds equal to
        // params.name) mirrors no argument in one. Nothing to compare, so the body is not parsed a second time.
        if (!paramHeadersSent && headers.TryGetValue("Mcp-Name", out var named)
            && tools.TryGetPrimitive(named.ToString(), out var namedTool) && !MirrorsArguments(namedTool))
        {
            return null;
        }

        var reader = new Utf8JsonReader(body);
        using var message = JsonDocument.ParseValue(ref reader);
        if (!message.RootElement.TryGetProperty("params", out var parameters) || parameters.ValueKind != JsonValueKind.Object
            || !parameters.TryGetProperty("name", out var toolName) || toolName.ValueKind != JsonValueKind.String
            || !mayCall(toolName.GetString()!)
            || !tools.TryGetPrimitive(toolName.GetString()!, out var tool)
            || tool.ProtocolTool.InputSchema is not { ValueKind: JsonValueKind.Object } schema
            || !schema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        JsonElement? arguments = parameters.TryGetProperty("arguments", out var args) && args.ValueKind == JsonValueKind.Object ? args : null;
        foreach (var property in properties.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.Object
                || !property.Value.TryGetProperty("x-mcp-header", out var annotation) || annotation.ValueKind != JsonValueKind.String
                || annotation.GetString() is not { Length: > 0 } suffix)
            {
                continue;
            }

            string header = ParamPrefix + suffix;
            JsonElement? value = arguments is { } a && a.TryGetProperty(property.Name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;
            string? sent = headers.TryGetValue(header, out var raw) ? raw.ToString().Trim(' ', '\t') : null;
            if (sent is null)
            {
                // A null or absent argument is sent without its header (SEP-2243).
                if (value is not null)
                {
                    return $"the argument '{property.Name}' is in the body but its {header} header is missing";
                }

                continue;
            }

            if (McpHeaderEncoder.DecodeValue(sent) is not { } decoded)
            {
                return $"the {header} header is not valid base64 inside =?base64?…?=";
            }

            string? expected = value is { } present && McpHeaderEncoder.ConvertToHeaderValue(present) is { } encoded ? McpHeaderEncoder.DecodeValue(encoded) : null;
            if (!string.Equals(decoded, expected, StringComparison.Ordinal))
            {
                return value is null
                    ? $"the {header} header is set but the argument '{property.Name}' is not in the body"
                    : $"the {header} header does not match the argument '{property.Name}' in the body";
            }
        }

        return null;
    }

    private static bool MirrorsArguments(McpServerTool tool) =>
        tool.ProtocolTool.InputSchema is { ValueKind: JsonValueKind.Object } schema
        && schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
        && properties.EnumerateObject().Any(p => p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("x-mcp-header", out _));

    // RFC 9110 field values: visible ASCII, spaces and tabs. Anything else must travel base64-encoded.
    private static bool IsFieldValue(string value) => value.All(c => c is '\t' or (>= ' ' and <= '~'));
}
