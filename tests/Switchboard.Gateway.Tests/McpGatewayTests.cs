using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Switchboard.Naming;

namespace Switchboard.Gateway.Tests;

/// <summary>The gateway seen by the C# SDK client, in both session modes, on /mcp and /servers/{name}/mcp.</summary>
public sealed class McpGatewayTests(GatewayServer gateway) : IClassFixture<GatewayServer>
{
    private const string SessionVersion = "2025-11-25";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(SessionVersion)]
    [InlineData(null)]
    public async Task ListTools_OnAggregate_NamespacesEveryToolWithPortableNames(string? version)
    {
        await using var client = await gateway.ConnectAsync("/mcp", version);

        var tools = await client.ListToolsAsync(cancellationToken: Ct);

        Assert.Contains(tools, t => t.Name == "everything__test_simple_text");
        Assert.Contains(tools, t => t.Name == "financial__pmt");
        Assert.Contains(tools, t => t.Name == "utilities__hash");
        Assert.All(tools, t => Assert.True(
            McpNames.IsValidExposedName(t.Name) && McpNames.TryParseNamespaced(t.Name, out var server, out _) && server is "everything" or "financial" or "utilities" or "workflows" or "agents",
            t.Name));
    }

    [Fact]
    public async Task Connect_SessionRevision_GetsSession_LatestRevisionIsSessionless()
    {
        await using var sessionClient = await gateway.ConnectAsync("/mcp", SessionVersion);
        await using var sessionlessClient = await gateway.ConnectAsync("/mcp", null);

        Assert.NotNull(sessionClient.SessionId);
        Assert.Equal(SessionVersion, sessionClient.NegotiatedProtocolVersion);
        Assert.Null(sessionlessClient.SessionId);
    }

    [Theory]
    [InlineData(SessionVersion)]
    [InlineData(null)]
    public async Task CallTool_ThroughAggregate_ReturnsServerResult(string? version)
    {
        await using var client = await gateway.ConnectAsync("/mcp", version);

        var result = await client.CallToolAsync("everything__test_simple_text", cancellationToken: Ct);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("This is a simple text response for testing.", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    [Fact]
    public async Task ServerEndpoint_UsesThePlainNames()
    {
        await using var client = await gateway.ConnectAsync("/servers/everything/mcp", SessionVersion);

        var tools = await client.ListToolsAsync(cancellationToken: Ct);
        var prompts = await client.ListPromptsAsync(cancellationToken: Ct);
        var result = await client.CallToolAsync("test_simple_text", cancellationToken: Ct);

        Assert.Contains(tools, t => t.Name == "test_simple_text");
        Assert.DoesNotContain(tools, t => t.Name.Contains(McpNames.Separator, StringComparison.Ordinal));
        Assert.Contains(prompts, p => p.Name == "test_prompt_with_arguments");
        Assert.Equal("everything", client.ServerInfo?.Name);
        Assert.NotEqual(true, result.IsError);
    }

    [Fact]
    public async Task CallTool_UnknownTool_IsAnError()
    {
        await using var client = await gateway.ConnectAsync("/mcp", SessionVersion);

        var error = await Assert.ThrowsAsync<McpProtocolException>(async () => await client.CallToolAsync("everything__no_such_tool", cancellationToken: Ct));

        Assert.Contains("everything__no_such_tool", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sampling_FromServerTool_ReachesTheClientAndBack()
    {
        var prompts = new ConcurrentQueue<string>();
        var options = new McpClientOptions
        {
            Handlers = new McpClientHandlers
            {
                SamplingHandler = (request, _, _) =>
                {
                    prompts.Enqueue(request!.Messages.SelectMany(m => m.Content).OfType<TextContentBlock>().Single().Text);
                    return ValueTask.FromResult(new CreateMessageResult
                    {
                        Role = Role.Assistant,
                        Model = "fake-model",
                        Content = [new TextContentBlock { Text = "forty-two" }],
                    });
                },
            },
        };
        await using var client = await gateway.ConnectAsync("/mcp", SessionVersion, options);

        var result = await client.CallToolAsync("everything__test_sampling", new Dictionary<string, object?> { ["prompt"] = "What is the answer?" }, cancellationToken: Ct);

        Assert.Equal(["What is the answer?"], prompts);
        Assert.Equal("LLM response: forty-two", Text(result));
    }

    [Fact]
    public async Task Elicitation_FromServerTool_ReachesTheClientAndBack()
    {
        var options = new McpClientOptions
        {
            Handlers = new McpClientHandlers
            {
                ElicitationHandler = (request, _) => ValueTask.FromResult(new ElicitResult
                {
                    Action = "accept",
                    Content = new Dictionary<string, JsonElement>
                    {
                        ["username"] = JsonSerializer.SerializeToElement("ada"),
                        ["email"] = JsonSerializer.SerializeToElement(request!.Message),
                    },
                }),
            },
        };
        await using var client = await gateway.ConnectAsync("/mcp", SessionVersion, options);

        var result = await client.CallToolAsync("everything__test_elicitation", new Dictionary<string, object?> { ["message"] = "who are you?" }, cancellationToken: Ct);

        Assert.Equal("""User response: action=accept, content={"username":"ada","email":"who are you?"}""", Text(result));
    }

    [Fact]
    public async Task Roots_AreRequestedFromTheClient()
    {
        var options = new McpClientOptions
        {
            Handlers = new McpClientHandlers
            {
                RootsHandler = (_, _) => ValueTask.FromResult(new ListRootsResult { Roots = [new Root { Uri = "file:///work/project", Name = "project" }] }),
            },
        };
        await using var client = await gateway.ConnectAsync("/mcp", SessionVersion, options);

        var result = await client.CallToolAsync("everything__test_roots", cancellationToken: Ct);

        Assert.Equal("file:///work/project", Text(result));
    }

    [Fact]
    public async Task Progress_FromServerTool_ReachesTheClient()
    {
        var seen = new ConcurrentQueue<float>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = await gateway.ConnectAsync("/mcp", SessionVersion);
        // A session-wide handler: the per-call IProgress is unregistered when the result arrives, which can race the
        // last notification on the client side.
        await using var registration = client.RegisterNotificationHandler(NotificationMethods.ProgressNotification, (notification, _) =>
        {
            var progress = notification.Params.Deserialize<ProgressNotificationParams>(McpJsonUtilities.DefaultOptions)!;
            if (progress.ProgressToken.ToString() == "progress-1")
            {
                seen.Enqueue(progress.Progress.Progress);
                if (progress.Progress.Progress >= 100)
                {
                    done.TrySetResult();
                }
            }

            return ValueTask.CompletedTask;
        });

        await client.CallToolAsync(
            new CallToolRequestParams { Name = "everything__test_tool_with_progress", Meta = new JsonObject { ["progressToken"] = "progress-1" } }, Ct);
        await done.Task.WaitAsync(Patience, Ct);

        Assert.Equal([0f, 50f, 100f], seen);
    }

    [Fact]
    public async Task Logging_FromServerTool_ReachesTheClientAtTheChosenLevel()
    {
        var messages = new ConcurrentQueue<string>();
        var three = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = await gateway.ConnectAsync("/mcp", SessionVersion);
        await using var registration = client.RegisterNotificationHandler(NotificationMethods.LoggingMessageNotification, (notification, _) =>
        {
            var message = notification.Params.Deserialize<LoggingMessageNotificationParams>(McpJsonUtilities.DefaultOptions)!;
            messages.Enqueue(message.Data.ToString());
            if (messages.Count >= 3)
            {
                three.TrySetResult();
            }

            return ValueTask.CompletedTask;
        });

        await client.SetLoggingLevelAsync(LoggingLevel.Info, cancellationToken: Ct);
        await client.CallToolAsync("everything__test_tool_with_logging", cancellationToken: Ct);
        await three.Task.WaitAsync(Patience, Ct);

        Assert.Contains(messages, m => m.Contains("Tool execution started", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("Tool execution completed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ToolListChanged_InAServer_ReachesClientsOfTheAggregate()
    {
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = await gateway.ConnectAsync("/mcp", SessionVersion);
        await using var registration = client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            changed.TrySetResult();
            return ValueTask.CompletedTask;
        });
        bool hadDynamicTool = (await client.ListToolsAsync(cancellationToken: Ct)).Any(t => t.Name == "everything__test_dynamic_tool");

        // The notification travels on the client's GET stream, which it opens on its own after initialize; a change
        // made before that stream is up reaches nobody, so toggle again until one is heard.
        int toggles = 0;
        do
        {
            await client.CallToolAsync("everything__test_toggle_dynamic_tool", cancellationToken: Ct);
            toggles++;
        }
        while (!await changed.Task.WaitAsync(TimeSpan.FromSeconds(2), Ct).ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default) && toggles < 5);

        Assert.True(changed.Task.IsCompletedSuccessfully, "no notifications/tools/list_changed reached the client");
        bool hasDynamicTool = (await client.ListToolsAsync(cancellationToken: Ct)).Any(t => t.Name == "everything__test_dynamic_tool");
        Assert.Equal(hadDynamicTool ^ (toggles % 2 == 1), hasDynamicTool);
    }

    [Fact]
    public async Task ResourceSubscription_UpdateReachesTheSubscriber()
    {
        var updated = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = await gateway.ConnectAsync("/mcp", SessionVersion);
        Assert.True(client.ServerCapabilities.Resources?.Subscribe);

        await client.SubscribeToResourceAsync("test://watched-resource", (notification, _) =>
        {
            updated.TrySetResult(notification.Uri);
            return ValueTask.CompletedTask;
        }, cancellationToken: Ct);
        // Unsolicited, so it travels on the client's GET stream, which may not be open yet: update until one is heard.
        for (int attempt = 0; attempt < 5 && !updated.Task.IsCompleted; attempt++)
        {
            await client.CallToolAsync("everything__test_update_watched_resource", new Dictionary<string, object?> { ["text"] = "v2" }, cancellationToken: Ct);
            await updated.Task.WaitAsync(TimeSpan.FromSeconds(2), Ct).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        Assert.Equal("test://watched-resource", await updated.Task.WaitAsync(Patience, Ct));
        var contents = await client.ReadResourceAsync("test://watched-resource", cancellationToken: Ct);
        Assert.Equal("v2", Assert.IsType<TextResourceContents>(Assert.Single(contents.Contents)).Text);
    }

    [Fact]
    public async Task Resources_ReadThroughAggregate_ByTheirOwnUris()
    {
        await using var client = await gateway.ConnectAsync("/mcp", SessionVersion);

        var text = await client.ReadResourceAsync("test://static-text", cancellationToken: Ct);
        var templated = await client.ReadResourceAsync("test://template/7/data", cancellationToken: Ct);

        Assert.Equal("This is the content of the static text resource.", Assert.IsType<TextResourceContents>(Assert.Single(text.Contents)).Text);
        Assert.Equal("""{"id":"7","templateTest":true,"data":"Data for ID: 7"}""", Assert.IsType<TextResourceContents>(Assert.Single(templated.Contents)).Text);
    }

    [Fact]
    public async Task Prompts_AreNamespacedOnAggregate_AndRenderWithArguments()
    {
        await using var client = await gateway.ConnectAsync("/mcp", SessionVersion);

        var prompt = await client.GetPromptAsync(
            "everything__test_prompt_with_arguments", new Dictionary<string, object?> { ["arg1"] = "hello", ["arg2"] = "world" }, cancellationToken: Ct);

        Assert.Equal("Prompt with arguments: arg1='hello', arg2='world'", Assert.IsType<TextContentBlock>(Assert.Single(prompt.Messages).Content).Text);
    }

    private static string Text(CallToolResult result)
    {
        Assert.NotEqual(true, result.IsError);
        return Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
    }
}
