using System.Text.Json.Nodes;

namespace Switchboard.FakeLlm;

/// <summary>Anthropic <c>POST /v1/messages</c>: a JSON message, or the <c>message_start … message_stop</c> event stream.</summary>
public static class AnthropicProtocol
{
    public static async Task HandleAsync(HttpContext context, ScriptState scripts)
    {
        // SDKs send the key as x-api-key or (the .NET SDK since 13) as a bearer token.
        string? key = context.Request.Headers["x-api-key"].FirstOrDefault() ?? Exchange.BearerToken(context.Request);
        if (await Exchange.BeginAsync(context, scripts, "anthropic", key, Error) is not var (request, turn, number))
        {
            return;
        }

        string id = $"msg_{number}";
        string model = Exchange.Model(request);
        var usage = turn.Usage ?? new Usage(11, 7);
        var calls = turn.ToolCalls ?? [];
        string stopReason = calls.Count > 0 ? "tool_use" : "end_turn";

        if (!Exchange.IsStreaming(request))
        {
            var content = new JsonArray();
            if (!string.IsNullOrEmpty(turn.Text))
            {
                content.Add(new JsonObject { ["type"] = "text", ["text"] = turn.Text });
            }

            for (int i = 0; i < calls.Count; i++)
            {
                content.Add(new JsonObject
                {
                    ["type"] = "tool_use",
                    ["id"] = calls[i].Id ?? $"toolu_{number}_{i}",
                    ["name"] = calls[i].Name,
                    // Raw arguments are spliced in as they are: malformed ones make the body itself unreadable, as
                    // they would from a broken proxy (the real API only streams partial JSON).
                    ["input"] = calls[i].RawArguments is not null ? JsonNode.Parse("\"__RAW__\"") : calls[i].Arguments ?? [],
                });
            }

            string json = new JsonObject
            {
                ["id"] = id,
                ["type"] = "message",
                ["role"] = "assistant",
                ["model"] = model,
                ["content"] = content,
                ["stop_reason"] = stopReason,
                ["stop_sequence"] = null,
                ["usage"] = new JsonObject { ["input_tokens"] = usage.Input, ["output_tokens"] = usage.Output },
            }.ToJsonString();
            if (calls.FirstOrDefault(c => c.RawArguments is not null) is { } malformed)
            {
                json = json.Replace("\"__RAW__\"", malformed.RawArguments, StringComparison.Ordinal);
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(json, context.RequestAborted);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        await Exchange.WriteEventAsync(context.Response, "message_start", new JsonObject
        {
            ["type"] = "message_start",
            ["message"] = new JsonObject
            {
                ["id"] = id,
                ["type"] = "message",
                ["role"] = "assistant",
                ["model"] = model,
                ["content"] = new JsonArray(),
                ["stop_reason"] = null,
                ["stop_sequence"] = null,
                ["usage"] = new JsonObject { ["input_tokens"] = usage.Input, ["output_tokens"] = 1 },
            },
        });

        int index = 0;
        if (!string.IsNullOrEmpty(turn.Text))
        {
            await Exchange.WriteEventAsync(context.Response, "content_block_start", new JsonObject
            {
                ["type"] = "content_block_start",
                ["index"] = index,
                ["content_block"] = new JsonObject { ["type"] = "text", ["text"] = "" },
            });
            foreach (string piece in Exchange.Pieces(turn.Text))
            {
                await Exchange.WriteEventAsync(context.Response, "content_block_delta", new JsonObject
                {
                    ["type"] = "content_block_delta",
                    ["index"] = index,
                    ["delta"] = new JsonObject { ["type"] = "text_delta", ["text"] = piece },
                });
            }

            await Exchange.WriteEventAsync(context.Response, "content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = index });
            index++;
        }

        for (int i = 0; i < calls.Count; i++, index++)
        {
            await Exchange.WriteEventAsync(context.Response, "content_block_start", new JsonObject
            {
                ["type"] = "content_block_start",
                ["index"] = index,
                ["content_block"] = new JsonObject
                {
                    ["type"] = "tool_use",
                    ["id"] = calls[i].Id ?? $"toolu_{number}_{i}",
                    ["name"] = calls[i].Name,
                    ["input"] = new JsonObject(),
                },
            });
            foreach (string piece in Exchange.Pieces(calls[i].ArgumentsText))
            {
                await Exchange.WriteEventAsync(context.Response, "content_block_delta", new JsonObject
                {
                    ["type"] = "content_block_delta",
                    ["index"] = index,
                    ["delta"] = new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = piece },
                });
            }

            await Exchange.WriteEventAsync(context.Response, "content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = index });
        }

        await Exchange.WriteEventAsync(context.Response, "message_delta", new JsonObject
        {
            ["type"] = "message_delta",
            ["delta"] = new JsonObject { ["stop_reason"] = stopReason, ["stop_sequence"] = null },
            ["usage"] = new JsonObject { ["output_tokens"] = usage.Output },
        });
        await Exchange.WriteEventAsync(context.Response, "message_stop", new JsonObject { ["type"] = "message_stop" });
    }

    private static object Error(string type, string message) =>
        new JsonObject { ["type"] = "error", ["error"] = new JsonObject { ["type"] = type, ["message"] = message } };
}
