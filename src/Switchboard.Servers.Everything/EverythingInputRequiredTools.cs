using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Mrtr;
using static ModelContextProtocol.Protocol.ElicitRequestParams;

namespace Switchboard.Servers.Everything;

/// <summary>
/// Tools and a prompt that need the client's input in the 2026-07-28 way (SEP-2322): instead of sending the client a
/// request, they return an input-required result and finish when the client retries with the answers. Nothing is
/// kept between rounds: what a later round needs travels in a <c>requestState</c> sealed by
/// <see cref="RequestStateProtector"/>, so any replica can serve the retry and a tampered state is refused. Names
/// and behaviour are the conformance suite's (<c>input-required-result-*</c>, <c>server-stateless</c>).
/// </summary>
[McpServerToolType]
internal sealed class EverythingInputRequiredTools(EverythingState state)
{
    [McpServerTool(Name = "test_input_required_result_elicitation", ReadOnly = true), Description("Asks the user's name through an input-required result, then greets them.")]
    public static CallToolResult Elicitation(McpServer server, RequestContext<CallToolRequestParams> request)
    {
        Require(server, elicitation: true);
        return Answer(request.Params, "user_name") is { } answer && AcceptedField(answer, "name") is { } name
            ? Text($"Hello, {name}!")
            : throw InputRequired(new() { ["user_name"] = AskFor("What is your name?", "name", new StringSchema()) });
    }

    [McpServerTool(Name = "test_input_required_result_sampling", ReadOnly = true), Description("Asks the client's LLM a question through an input-required result and returns its answer.")]
    public static CallToolResult Sampling(McpServer server, RequestContext<CallToolRequestParams> request)
    {
        Require(server, sampling: true);
        return Answer(request.Params, "capital_question") is { } answer && SampledText(answer) is { } text
            ? Text($"LLM response: {text}")
            : throw InputRequired(new() { ["capital_question"] = Sample("What is the capital of France?", 100) });
    }

    [McpServerTool(Name = "test_input_required_result_list_roots", ReadOnly = true), Description("Asks the client for its roots through an input-required result and lists them.")]
    public static CallToolResult ListRoots(McpServer server, RequestContext<CallToolRequestParams> request)
    {
        Require(server, roots: true);
        return Answer(request.Params, "client_roots") is { } answer && RootUris(answer) is { } uris
            ? Text($"Roots: {string.Join(", ", uris)}")
            : throw InputRequired(new() { ["client_roots"] = InputRequest.ForRootsList(new ListRootsRequestParams()) });
    }

    [McpServerTool(Name = "test_input_required_result_request_state", ReadOnly = true), Description("Asks for a confirmation with a sealed requestState and says state-ok once the state checks out.")]
    public static async Task<CallToolResult> RequestState(McpServer server, RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken) =>
        await ConfirmWithStateAsync(server, request, "test_input_required_result_request_state", cancellationToken);

    [McpServerTool(Name = "test_input_required_result_tampered_state", ReadOnly = true), Description("Like test_input_required_result_request_state: a requestState that was altered is refused with -32602.")]
    public static async Task<CallToolResult> TamperedState(McpServer server, RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken) =>
        await ConfirmWithStateAsync(server, request, "test_input_required_result_tampered_state", cancellationToken);

    [McpServerTool(Name = "test_input_required_result_multiple_inputs", ReadOnly = true), Description("Asks for a name, an LLM greeting and the roots at once, and finishes when all three are answered.")]
    public static async Task<CallToolResult> MultipleInputs(McpServer server, RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        const string Purpose = "test_input_required_result_multiple_inputs";
        Require(server, elicitation: true, sampling: true, roots: true);
        var parameters = request.Params;
        if (parameters?.RequestState is { } sealedState)
        {
            await OpenAsync(server, Purpose, sealedState, cancellationToken);
            if (Answer(parameters, "user_name") is { } user && AcceptedField(user, "name") is { } name
                && Answer(parameters, "greeting") is { } greeting && SampledText(greeting) is { } text
                && Answer(parameters, "client_roots") is { } roots && RootUris(roots) is { } uris)
            {
                return Text($"Name: {name}; greeting: {text}; roots: {string.Join(", ", uris)}");
            }
        }

        throw InputRequired(
            new()
            {
                ["user_name"] = AskFor("What is your name?", "name", new StringSchema()),
                ["greeting"] = Sample("Generate a greeting", 50),
                ["client_roots"] = InputRequest.ForRootsList(new ListRootsRequestParams()),
            },
            await SealAsync(server, Purpose, new JsonObject { ["round"] = 1 }, cancellationToken));
    }

    [McpServerTool(Name = "test_input_required_result_multi_round", ReadOnly = true), Description("Asks a name, then a favourite colour in a second round; the sealed requestState carries the first answer.")]
    public static async Task<CallToolResult> MultiRound(McpServer server, RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        const string Purpose = "test_input_required_result_multi_round";
        Require(server, elicitation: true);
        var parameters = request.Params;
        JsonNode? carried = parameters?.RequestState is { } sealedState ? await OpenAsync(server, Purpose, sealedState, cancellationToken) : null;
        string? name = carried?["name"]?.GetValue<string>();
        if (name is null)
        {
            name = Answer(parameters, "step1") is { } step1 && carried is not null ? AcceptedField(step1, "name") : null;
            if (name is null)
            {
                throw InputRequired(
                    new() { ["step1"] = AskFor("Step 1: What is your name?", "name", new StringSchema()) },
                    await SealAsync(server, Purpose, new JsonObject { ["round"] = 1 }, cancellationToken));
            }
        }
        else if (Answer(parameters, "step2") is { } step2 && AcceptedField(step2, "color") is { } color)
        {
            return Text($"{name} likes {color}.");
        }

        throw InputRequired(
            new() { ["step2"] = AskFor("Step 2: What is your favorite color?", "color", new StringSchema()) },
            await SealAsync(server, Purpose, new JsonObject { ["round"] = 2, ["name"] = name }, cancellationToken));
    }

    [McpServerTool(Name = "test_input_required_result_capabilities", ReadOnly = true), Description("Asks only for what the client declared it can give (elicitation, sampling, roots).")]
    public static CallToolResult Capabilities(McpServer server, RequestContext<CallToolRequestParams> request)
    {
        var capabilities = server.ClientCapabilities;
        var wanted = new Dictionary<string, InputRequest>(StringComparer.Ordinal);
        if (capabilities?.Elicitation is not null)
        {
            wanted["user_name"] = AskFor("What is your name?", "name", new StringSchema());
        }

        if (capabilities?.Sampling is not null)
        {
            wanted["greeting"] = Sample("Generate a greeting", 50);
        }

        if (capabilities?.Roots is not null)
        {
            wanted["client_roots"] = InputRequest.ForRootsList(new ListRootsRequestParams());
        }

        if (wanted.Count == 0)
        {
            throw new MissingRequiredClientCapabilityException(new ClientCapabilities { Elicitation = new(), Sampling = new(), Roots = new() }, "This tool needs at least one of elicitation, sampling and roots.");
        }

        return wanted.Keys.All(key => Answer(request.Params, key) is not null)
            ? Text($"Answered: {string.Join(", ", wanted.Keys)}")
            : throw InputRequired(wanted);
    }

    [McpServerTool(Name = "test_missing_capability", ReadOnly = true), Description("Needs the sampling capability; without it the call is refused with -32021.")]
    public static CallToolResult MissingCapability(McpServer server)
    {
        Require(server, sampling: true);
        return Text("The client declared sampling.");
    }

    [McpServerTool(Name = "test_streaming_elicitation", ReadOnly = true), Description("Asks the user a question on the response stream as an input-required result, never as a request of its own.")]
    public static CallToolResult StreamingElicitation(McpServer server, RequestContext<CallToolRequestParams> request)
    {
        Require(server, elicitation: true);
        return Answer(request.Params, "answer") is { } answer && AcceptedField(answer, "answer") is { } text
            ? Text($"You answered: {text}")
            : throw InputRequired(new() { ["answer"] = AskFor("Please answer the question.", "answer", new StringSchema()) });
    }

    [McpServerTool(Name = "test_logging_tool", ReadOnly = true), Description("Logs at info through the client logger; a request without a log level gets no log messages.")]
    public static Task<string> Logging(McpServer server, CancellationToken cancellationToken) => EverythingTools.ToolWithLogging(server, cancellationToken);

    [McpServerTool(Name = "test_trigger_tool_change"), Description("Adds or removes 'test_dynamic_tool', changing the tool list.")]
    public string TriggerToolChange() => state.ToggleDynamicTool() ? "test_dynamic_tool added" : "test_dynamic_tool removed";

    private static async Task<CallToolResult> ConfirmWithStateAsync(McpServer server, RequestContext<CallToolRequestParams> request, string purpose, CancellationToken cancellationToken)
    {
        Require(server, elicitation: true);
        var parameters = request.Params;
        if (parameters?.RequestState is { } sealedState)
        {
            await OpenAsync(server, purpose, sealedState, cancellationToken);
            if (Answer(parameters, "confirm") is { } confirm && AcceptedContent(confirm) is { } content
                && content.TryGetProperty("ok", out var ok) && ok.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                return Text($"state-ok: confirmed={ok.GetBoolean()}");
            }
        }

        throw InputRequired(
            new() { ["confirm"] = AskFor("Please confirm", "ok", new BooleanSchema()) },
            await SealAsync(server, purpose, new JsonObject { ["round"] = 1 }, cancellationToken));
    }

    // A capability the request needs but did not declare is refused as the revision says: -32021 naming it.
    private static void Require(McpServer server, bool elicitation = false, bool sampling = false, bool roots = false)
    {
        var declared = server.ClientCapabilities;
        var missing = new ClientCapabilities
        {
            Elicitation = elicitation && declared?.Elicitation is null ? new() : null,
            Sampling = sampling && declared?.Sampling is null ? new() : null,
            Roots = roots && declared?.Roots is null ? new() : null,
        };
        if (missing.Elicitation is not null || missing.Sampling is not null || missing.Roots is not null)
        {
            throw new MissingRequiredClientCapabilityException(missing, "This tool needs a client capability the request did not declare.");
        }
    }

    private static RequestStateProtector Protector(McpServer server) =>
        server.Services?.GetService(typeof(RequestStateProtector)) as RequestStateProtector ?? RequestStateProtector.ForThisProcess;

    private static ValueTask<string> SealAsync(McpServer server, string purpose, JsonNode data, CancellationToken cancellationToken) =>
        Protector(server).ProtectAsync($"{EverythingServer.Name}/{purpose}", data, cancellationToken);

    private static async Task<JsonNode?> OpenAsync(McpServer server, string purpose, string sealedState, CancellationToken cancellationToken)
    {
        var opened = await Protector(server).UnprotectAsync($"{EverythingServer.Name}/{purpose}", sealedState, cancellationToken);
        return opened.IsValid ? opened.Data : throw new McpProtocolException($"Invalid requestState: {opened.Problem}.", McpErrorCode.InvalidParams);
    }

    private static InputRequiredException InputRequired(Dictionary<string, InputRequest> requests, string? requestState = null) => new(requests, requestState);

    private static InputRequest AskFor(string message, string field, PrimitiveSchemaDefinition schema) =>
        InputRequest.ForElicitation(new ElicitRequestParams { Message = message, RequestedSchema = new RequestSchema { Properties = { [field] = schema }, Required = [field] } });

    private static InputRequest Sample(string question, int maxTokens) => InputRequest.ForSampling(new CreateMessageRequestParams
    {
        Messages = [new SamplingMessage { Role = Role.User, Content = [new TextContentBlock { Text = question }] }],
        MaxTokens = maxTokens,
    });

    // Answers are read from their raw JSON: a malformed one counts as no answer, so it is asked for again.
    private static JsonElement? Answer(RequestParams? parameters, string key) =>
        parameters?.InputResponses is { } responses && responses.TryGetValue(key, out var response) && response?.RawValue is { ValueKind: JsonValueKind.Object } raw ? raw : null;

    private static JsonElement? AcceptedContent(JsonElement answer) =>
        answer.TryGetProperty("action", out var action) && action.ValueEquals("accept") && answer.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Object
            ? content
            : null;

    private static string? AcceptedField(JsonElement answer, string field) =>
        AcceptedContent(answer)?.TryGetProperty(field, out var value) == true && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    // A sampling result's content is one block or an array of blocks.
    private static string? SampledText(JsonElement answer)
    {
        if (!answer.TryGetProperty("content", out var content))
        {
            return null;
        }

        var blocks = content.ValueKind == JsonValueKind.Array ? content.EnumerateArray().ToArray() : [content];
        var texts = blocks.Where(b => b.ValueKind == JsonValueKind.Object && b.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
            .Select(b => b.GetProperty("text").GetString()).ToArray();
        return texts.Length > 0 ? string.Concat(texts) : null;
    }

    private static string[]? RootUris(JsonElement answer) =>
        answer.TryGetProperty("roots", out var roots) && roots.ValueKind == JsonValueKind.Array
            ? [.. roots.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.Object && r.TryGetProperty("uri", out var u) && u.ValueKind == JsonValueKind.String).Select(r => r.GetProperty("uri").GetString()!)]
            : null;

    private static CallToolResult Text(string text) => new() { Content = [new TextContentBlock { Text = text }] };
}

/// <summary>The prompt of <c>input-required-result-non-tool-request</c>: input-required results are not only for tools.</summary>
[McpServerPromptType]
internal static class EverythingInputRequiredPrompts
{
    [McpServerPrompt(Name = "test_input_required_result_prompt"), Description("Asks the user for context through an input-required result, then builds a prompt with it.")]
    public static GetPromptResult ContextPrompt(RequestContext<GetPromptRequestParams> request)
    {
        if (request.Params?.InputResponses is { } responses && responses.TryGetValue("user_context", out var response)
            && response?.RawValue is { ValueKind: JsonValueKind.Object } raw
            && raw.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Object
            && content.TryGetProperty("context", out var context) && context.ValueKind == JsonValueKind.String)
        {
            return new GetPromptResult
            {
                Messages = [new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = $"Use this context: {context.GetString()}" } }],
            };
        }

        throw new InputRequiredException(
            new Dictionary<string, InputRequest>(StringComparer.Ordinal)
            {
                ["user_context"] = InputRequest.ForElicitation(new ElicitRequestParams
                {
                    Message = "What context should the prompt use?",
                    RequestedSchema = new RequestSchema { Properties = { ["context"] = new StringSchema() }, Required = ["context"] },
                }),
            },
            requestState: null);
    }
}
