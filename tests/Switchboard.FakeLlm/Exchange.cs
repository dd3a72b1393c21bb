using System.Globalization;
using System.Text.Json.Nodes;

namespace Switchboard.FakeLlm;

/// <summary>What both protocols do before answering: record the request, take the turn, wait, play a fault.</summary>
public static class Exchange
{
    /// <summary>
    /// The request's body and the turn to answer with; null when this method already answered (a fault, a spent
    /// script, a body that is not JSON).
    /// </summary>
    public static async Task<(JsonObject Body, Turn Turn, int Number)?> BeginAsync(
        HttpContext context, ScriptState scripts, string protocol, string? apiKey, Func<string, string, object> errorBody)
    {
        var cancellationToken = context.RequestAborted;
        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: cancellationToken);
        }
        catch (System.Text.Json.JsonException e)
        {
            await WriteErrorAsync(context, 400, errorBody("invalid_request_error", $"The body is not JSON: {e.Message}"));
            return null;
        }

        var (turn, number) = scripts.Next(new RecordedRequest(protocol, context.Request.Path, apiKey, [.. context.Request.Headers.Keys.Order(StringComparer.Ordinal)], body));
        if (body is not JsonObject request)
        {
            await WriteErrorAsync(context, 400, errorBody("invalid_request_error", "The body must be a JSON object."));
            return null;
        }

        if (turn is null)
        {
            await WriteErrorAsync(context, 400, errorBody("invalid_request_error", $"The fake's script has no turn left for request {number}."));
            return null;
        }

        if (turn.DelayMs > 0)
        {
            try
            {
                await Task.Delay(turn.DelayMs, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return null; // the client gave up, as the delay meant it to
            }
        }

        if (turn.Status is { } status)
        {
            if (turn.RetryAfterSeconds is { } seconds)
            {
                context.Response.Headers["retry-after"] = seconds.ToString(CultureInfo.InvariantCulture);
            }

            string type = status == 429 ? "rate_limit_error" : status >= 500 ? "api_error" : "invalid_request_error";
            await WriteErrorAsync(context, status, errorBody(type, $"Scripted fault {status} on request {number}."));
            return null;
        }

        return (request, turn, number);
    }

    /// <summary>The token of an <c>Authorization: Bearer</c> header, or null.</summary>
    public static string? BearerToken(HttpRequest request)
    {
        string? authorization = request.Headers.Authorization;
        return authorization?.StartsWith("Bearer ", StringComparison.Ordinal) == true ? authorization["Bearer ".Length..] : null;
    }

    public static bool IsStreaming(JsonObject request) => request["stream"]?.GetValue<bool>() == true;

    public static string Model(JsonObject request) => request["model"]?.GetValue<string>() ?? "fake-model";

    private static Task WriteErrorAsync(HttpContext context, int status, object body)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(body, Script.Json, context.RequestAborted);
    }

    /// <summary>Writes one server-sent event and flushes it, so that clients see the stream arrive in parts.</summary>
    public static async Task WriteEventAsync(HttpResponse response, string? name, JsonNode data)
    {
        string text = (name is null ? string.Empty : $"event: {name}\n") + $"data: {data.ToJsonString()}\n\n";
        await response.WriteAsync(text, response.HttpContext.RequestAborted);
        await response.Body.FlushAsync(response.HttpContext.RequestAborted);
    }

    /// <summary><paramref name="text"/> in pieces of a few characters, as models stream it.</summary>
    public static IEnumerable<string> Pieces(string text, int size = 7)
    {
        for (int i = 0; i < text.Length; i += size)
        {
            yield return text.Substring(i, Math.Min(size, text.Length - i));
        }
    }
}
