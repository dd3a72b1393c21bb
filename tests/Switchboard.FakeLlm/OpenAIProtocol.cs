using System.Text.Json.Nodes;

namespace Switchboard.FakeLlm;

/// <summary>OpenAI <c>POST /v1/chat/completions</c>: a JSON completion, or <c>chat.completion.chunk</c> events ending in <c>[DONE]</c>.</summary>
public static class OpenAIProtocol
{
    public static async Task HandleAsync(HttpContext context, ScriptState scripts)
    {
        if (await Exchange.BeginAsync(context, scripts, "openai", Exchange.BearerToken(context.Request), Error) is not var (request, turn, number))
        {
            return;
        }

        string id = $"chatcmpl-{number}";
        string model = Exchange.Model(request);
        var usage = turn.Usage ?? new Usage(11, 7);
        var calls = turn.ToolCalls ?? [];
        string finish = calls.Count > 0 ? "tool_calls" : "stop";
        var usageJson = new JsonObject
        {
            ["prompt_tokens"] = usage.Input,
            ["completion_tokens"] = usage.Output,
            ["total_tokens"] = usage.Input + usage.Output,
        };

        if (!Exchange.IsStreaming(request))
        {
            var message = new JsonObject { ["role"] = "assistant", ["content"] = turn.Text };
            if (calls.Count > 0)
            {
                message["tool_calls"] = new JsonArray([.. calls.Select((c, i) => (JsonNode)new JsonObject
                {
                    ["id"] = c.Id ?? $"call_{number}_{i}",
                    ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = c.ArgumentsText },
                })]);
            }

            await context.Response.WriteAsJsonAsync(new JsonObject
            {
                ["id"] = id,
                ["object"] = "chat.completion",
                ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                ["model"] = model,
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = message, ["finish_reason"] = finish }),
                ["usage"] = usageJson,
            }, context.RequestAborted);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        JsonObject Chunk(JsonObject delta, string? finishReason) => new()
        {
            ["id"] = id,
            ["object"] = "chat.completion.chunk",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
        };

        await Exchange.WriteEventAsync(context.Response, null, Chunk(new JsonObject { ["role"] = "assistant", ["content"] = "" }, null));
        foreach (string piece in Exchange.Pieces(turn.Text ?? string.Empty))
        {
            await Exchange.WriteEventAsync(context.Response, null, Chunk(new JsonObject { ["content"] = piece }, null));
        }

        for (int i = 0; i < calls.Count; i++)
        {
            await Exchange.WriteEventAsync(context.Response, null, Chunk(ToolCallDelta(i, new JsonObject
            {
                ["id"] = calls[i].Id ?? $"call_{number}_{i}",
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = calls[i].Name, ["arguments"] = "" },
            }), null));
            foreach (string piece in Exchange.Pieces(calls[i].ArgumentsText))
            {
                await Exchange.WriteEventAsync(context.Response, null, Chunk(ToolCallDelta(i, new JsonObject
                {
                    ["function"] = new JsonObject { ["arguments"] = piece },
                }), null));
            }
        }

        await Exchange.WriteEventAsync(context.Response, null, Chunk([], finish));
        if (request["stream_options"]?["include_usage"]?.GetValue<bool>() == true)
        {
            await Exchange.WriteEventAsync(context.Response, null, new JsonObject
            {
                ["id"] = id,
                ["object"] = "chat.completion.chunk",
                ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                ["model"] = model,
                ["choices"] = new JsonArray(),
                ["usage"] = usageJson,
            });
        }

        await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
    }

    private static JsonObject ToolCallDelta(int index, JsonObject call)
    {
        call["index"] = index;
        return new JsonObject { ["tool_calls"] = new JsonArray(call) };
    }

    private static object Error(string type, string message) =>
        new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["code"] = null } };
}
