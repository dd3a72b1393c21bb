using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Switchboard.Text;

namespace Switchboard.Gateway.Api;

/// <summary>
/// What is wrong with an admin API request body, in the client's terms: problem details' <c>detail</c> names the member
/// and what it must be, never a .NET type or parameter (docs/api.md, "Errors").
/// </summary>
internal static class RequestBodyErrors
{
    /// <summary>
    /// Why <paramref name="body"/> is not one JSON document with each member once per object; null when it is. Checked
    /// before binding, which would take the last of two <c>roles</c> silently. (The serializer's own
    /// <c>AllowDuplicateProperties = false</c> fails with an ArgumentException, a 500, on a member repeated inside a
    /// JSON object value such as <c>inputs</c>.) Binding matches names exactly, so a repeat is an exact one.
    /// </summary>
    public static string? DocumentProblem(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return Repeated(document.RootElement, "") is { } path ? $"The member '{path}' is given more than once; give each member once." : null;
        }
        catch (JsonException e)
        {
            return $"The request body is not valid JSON: {e.Message}";
        }
    }

    /// <summary>
    /// The <c>detail</c> for a body that binding refused, in place of binding's own message, which names the endpoint's
    /// parameter and its .NET type ("Failed to read parameter \"ApprovalRequest request\" from the request body as
    /// JSON.") but not what to fix; null when the failure was not the body's.
    /// </summary>
    public static string? Describe(HttpContext http, BadHttpRequestException error)
    {
        // The exception handler has cleared the request's endpoint; the feature keeps the one that threw.
        var endpoint = http.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? http.GetEndpoint();
        if (error.StatusCode != StatusCodes.Status400BadRequest || endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType is not { } type)
        {
            return null;
        }

        if (error.InnerException is JsonException json)
        {
            var options = http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
            return JsonReadError.Describe(json, options.GetTypeInfo(type));
        }

        // Binding throws without an inner exception only when there is no body to read (none, or JSON null).
        return error.InnerException is null ? "Send the request as a JSON object in the body; docs/api.md says what each endpoint takes." : null;
    }

    /// <summary>
    /// The <c>detail</c> for a query value that binding refused (<c>?limit=abc</c>), in place of binding's own message,
    /// which names the parameter's .NET type ("Failed to bind parameter \"int limit\" from \"abc\"."); null when no
    /// query value of the endpoint's parameters is of the wrong kind.
    /// </summary>
    public static string? DescribeQuery(HttpContext http)
    {
        var endpoint = http.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? http.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<MethodInfo>() is not { } handler)
        {
            return null;
        }

        foreach (var parameter in handler.GetParameters())
        {
            var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
            if (parameter.Name is { } name && QueryKinds.TryGetValue(type, out var kind) && http.Request.Query.TryGetValue(name, out var values)
                && values.ToString() is var value && !kind.Parses(value))
            {
                // Its control characters are escaped with the rest of the detail (AddProblemDetails' customization).
                return $"The query parameter '{name}' must be {kind.Description}; '{(value.Length > 64 ? $"{value[..64]}{PrintableText.Ellipsis}" : value)}' is not.";
            }
        }

        return null;
    }

    // The kinds of query value the admin API takes besides text, as binding parses them (invariant culture).
    private static readonly Dictionary<Type, (string Description, Func<string, bool> Parses)> QueryKinds = new()
    {
        [typeof(int)] = ("a whole number", v => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)),
        [typeof(long)] = ("a whole number", v => long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)),
        [typeof(bool)] = ("true or false", v => bool.TryParse(v, out _)),
        [typeof(DateTimeOffset)] = ("a date and time such as 2026-11-29T12:00:00Z", v => DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.None, out _)),
    };

    private static string? Repeated(JsonElement element, string path)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            int i = 0;
            foreach (var item in element.EnumerateArray())
            {
                if (Repeated(item, $"{path}[{i++}]") is { } found)
                {
                    return found;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Object)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var member in element.EnumerateObject())
            {
                string at = path.Length == 0 ? member.Name : $"{path}.{member.Name}";
                if (!names.Add(member.Name))
                {
                    return at;
                }

                if (Repeated(member.Value, at) is { } found)
                {
                    return found;
                }
            }
        }

        return null;
    }
}
