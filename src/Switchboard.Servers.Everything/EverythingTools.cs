using System.ComponentModel;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Tools;
using static ModelContextProtocol.Protocol.ElicitRequestParams;

namespace Switchboard.Servers.Everything;

/// <summary>
/// Tools for every content type and every server-to-client interaction, as the MCP conformance suite
/// (<c>@modelcontextprotocol/conformance</c>, server scenarios) specifies them.
/// </summary>
[McpServerToolType]
internal sealed class EverythingTools(EverythingState state)
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(50);

    [McpServerTool(Name = "test_simple_text", ReadOnly = true), Description("Returns a fixed text block.")]
    public static string SimpleText() => "This is a simple text response for testing.";

    [McpServerTool(Name = "test_image_content", ReadOnly = true), Description("Returns a 1x1 PNG image block.")]
    public static ImageContentBlock ImageContent() => ImageContentBlock.FromBytes(TestMedia.Png, "image/png");

    [McpServerTool(Name = "test_audio_content", ReadOnly = true), Description("Returns a short WAV audio block.")]
    public static AudioContentBlock AudioContent() => AudioContentBlock.FromBytes(TestMedia.Wav, "audio/wav");

    [McpServerTool(Name = "test_embedded_resource", ReadOnly = true), Description("Returns an embedded text resource.")]
    public static EmbeddedResourceBlock EmbeddedResource() => new()
    {
        Resource = new TextResourceContents { Uri = "test://embedded-resource", MimeType = "text/plain", Text = "This is an embedded resource content." },
    };

    [McpServerTool(Name = "test_multiple_content_types", ReadOnly = true), Description("Returns text, image and embedded resource blocks together.")]
    public static ContentBlock[] MultipleContentTypes() =>
    [
        new TextContentBlock { Text = "Multiple content types test:" },
        ImageContentBlock.FromBytes(TestMedia.Png, "image/png"),
        new EmbeddedResourceBlock
        {
            Resource = new TextResourceContents { Uri = "test://mixed-content-resource", MimeType = "application/json", Text = """{"test":"data","value":123}""" },
        },
    ];

    [McpServerTool(Name = "test_tool_with_logging", ReadOnly = true), Description("Sends three info log notifications, 50 ms apart, while it runs.")]
    public static async Task<string> ToolWithLogging(McpServer server, CancellationToken cancellationToken)
    {
        // The client logger honours the level the client chose with logging/setLevel.
        using var loggers = server.AsClientLoggerProvider();
        var logger = loggers.CreateLogger("everything");
        logger.LogInformation("Tool execution started");
        await Task.Delay(Step, cancellationToken);
        logger.LogInformation("Tool processing data");
        await Task.Delay(Step, cancellationToken);
        logger.LogInformation("Tool execution completed");
        return "Tool with logging executed successfully";
    }

    [McpServerTool(Name = "test_error_handling", ReadOnly = true), Description("Always fails, as a tool error the model can read.")]
    public static CallToolResult ErrorHandling() => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = "This tool intentionally returns an error for testing" }],
    };

    [McpServerTool(Name = "test_tool_with_progress", ReadOnly = true), Description("Reports progress 0, 50 and 100 of 100, 50 ms apart.")]
    public static async Task<string> ToolWithProgress(McpServer server, RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        var token = request.Params?.ProgressToken;
        for (int progress = 0; progress <= 100; progress += 50)
        {
            if (progress > 0)
            {
                await Task.Delay(Step, cancellationToken);
            }

            if (token is { } progressToken)
            {
                await server.NotifyProgressAsync(progressToken, new ProgressNotificationValue { Progress = progress, Total = 100 }, cancellationToken: cancellationToken);
            }
        }

        return token is { } t ? $"Progress reported for token {t}" : "Completed without a progress token";
    }

    [McpServerTool(Name = "test_sampling"), Description("Asks the client's LLM to answer the prompt (sampling/createMessage) and returns the answer.")]
    public static async Task<CallToolResult> Sampling(McpServer server, [Description("The prompt to send to the LLM.")] string prompt, CancellationToken cancellationToken)
    {
        if (server.ClientCapabilities?.Sampling is null)
        {
            return Error("The client did not declare the sampling capability, so this tool cannot ask its LLM.");
        }

        var result = await server.SampleAsync(
            new CreateMessageRequestParams
            {
                Messages = [new SamplingMessage { Role = Role.User, Content = [new TextContentBlock { Text = prompt }] }],
                MaxTokens = 100,
            },
            cancellationToken);
        string text = string.Join("", result.Content.OfType<TextContentBlock>().Select(c => c.Text));
        return Text($"LLM response: {text}");
    }

    [McpServerTool(Name = "test_elicitation"), Description("Asks the user for a username and an email (elicitation/create) and returns the answer.")]
    public static Task<CallToolResult> Elicitation(McpServer server, [Description("The message to show the user.")] string message, CancellationToken cancellationToken) =>
        ElicitAsync(server, message, "User response", new RequestSchema
        {
            Properties =
            {
                ["username"] = new StringSchema { Description = "User's response" },
                ["email"] = new StringSchema { Description = "User's email address" },
            },
            Required = ["username", "email"],
        }, cancellationToken);

    [McpServerTool(Name = "test_elicitation_sep1034_defaults"), Description("Elicits a form whose fields all carry default values (SEP-1034).")]
    public static Task<CallToolResult> ElicitationWithDefaults(McpServer server, CancellationToken cancellationToken) =>
        ElicitAsync(server, "Test elicitation with default values for primitive types", "Elicitation completed", new RequestSchema
        {
            Properties =
            {
                ["name"] = new StringSchema { Description = "Name", Default = "John Doe" },
                ["age"] = new NumberSchema { Type = "integer", Description = "Age", Default = 30 },
                ["score"] = new NumberSchema { Description = "Score", Default = 95.5 },
                ["status"] = new UntitledSingleSelectEnumSchema { Description = "Status", Enum = ["active", "inactive", "pending"], Default = "active" },
                ["verified"] = new BooleanSchema { Description = "Verified", Default = true },
            },
        }, cancellationToken);

    [McpServerTool(Name = "test_elicitation_sep1330_enums"), Description("Elicits a form with each of the five enum schema variants (SEP-1330).")]
    public static Task<CallToolResult> ElicitationWithEnums(McpServer server, CancellationToken cancellationToken) =>
        ElicitAsync(server, "Test elicitation with enum schema variants", "Elicitation completed", new RequestSchema
        {
            Properties =
            {
                ["untitledSingle"] = new UntitledSingleSelectEnumSchema { Description = "Untitled single-select", Enum = ["option1", "option2", "option3"] },
                ["titledSingle"] = new TitledSingleSelectEnumSchema
                {
                    Description = "Titled single-select",
                    OneOf = [Option("value1", "First Option"), Option("value2", "Second Option"), Option("value3", "Third Option")],
                },
#pragma warning disable MCP9001 // The legacy enumNames form is deprecated, and exactly what SEP-1330 asks servers to still offer.
                ["legacyEnum"] = new LegacyTitledEnumSchema
                {
                    Description = "Legacy titled enum",
                    Enum = ["opt1", "opt2", "opt3"],
                    EnumNames = ["Option One", "Option Two", "Option Three"],
                },
#pragma warning restore MCP9001
                ["untitledMulti"] = new UntitledMultiSelectEnumSchema
                {
                    Description = "Untitled multi-select",
                    Items = new UntitledEnumItemsSchema { Enum = ["option1", "option2", "option3"] },
                },
                ["titledMulti"] = new TitledMultiSelectEnumSchema
                {
                    Description = "Titled multi-select",
                    Items = new TitledEnumItemsSchema { AnyOf = [Option("value1", "First Choice"), Option("value2", "Second Choice"), Option("value3", "Third Choice")] },
                },
            },
        }, cancellationToken);

    [McpServerTool(Name = "test_reconnection", ReadOnly = true), Description("Closes its SSE response stream mid-call and finishes over a resumed stream (SEP-1699).")]
    public static async Task<string> Reconnection(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        await request.EnablePollingAsync(TimeSpan.FromMilliseconds(500), cancellationToken);
        await Task.Delay(Step, cancellationToken);
        return "Reconnection test completed";
    }

    [McpServerTool(Name = "test_roots", ReadOnly = true), Description("Asks the client for its roots (roots/list) and returns their URIs, one per line.")]
    public static async Task<CallToolResult> Roots(McpServer server, CancellationToken cancellationToken)
    {
        if (server.ClientCapabilities?.Roots is null)
        {
            return Error("The client did not declare the roots capability.");
        }

        var result = await server.RequestRootsAsync(new ListRootsRequestParams(), cancellationToken);
        return Text(string.Join('\n', result.Roots.Select(r => r.Uri)));
    }

    [McpServerTool(Name = "test_toggle_dynamic_tool"), Description("Adds the tool 'test_dynamic_tool' if it is absent, removes it if present; clients get notifications/tools/list_changed.")]
    public string ToggleDynamicTool() => state.ToggleDynamicTool() ? "test_dynamic_tool added" : "test_dynamic_tool removed";

    [McpServerTool(Name = "test_update_watched_resource"), Description("Changes test://watched-resource; subscribed clients get notifications/resources/updated.")]
    public Task<string> UpdateWatchedResource([Description("The resource's new text.")] string text, CancellationToken cancellationToken) =>
        state.UpdateWatchedResourceAsync(text, cancellationToken);

    private static async Task<CallToolResult> ElicitAsync(McpServer server, string message, string label, RequestSchema schema, CancellationToken cancellationToken)
    {
        if (server.ClientCapabilities?.Elicitation is null)
        {
            return Error("The client did not declare the elicitation capability, so this tool cannot ask the user.");
        }

        var result = await server.ElicitAsync(new ElicitRequestParams { Message = message, RequestedSchema = schema }, cancellationToken);
        string content = result.Content is null ? "{}" : JsonSerializer.Serialize(result.Content, ToolJson.Options);
        return Text($"{label}: action={result.Action}, content={content}");
    }

    private static EnumSchemaOption Option(string value, string title) => new() { Const = value, Title = title };

    private static CallToolResult Text(string text) => new() { Content = [new TextContentBlock { Text = text }] };

    private static CallToolResult Error(string text) => new() { IsError = true, Content = [new TextContentBlock { Text = text }] };
}
