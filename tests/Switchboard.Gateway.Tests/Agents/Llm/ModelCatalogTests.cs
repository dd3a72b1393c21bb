using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Switchboard.Agents.Llm;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Agents.Llm;

/// <summary>
/// The production OpenAI and Anthropic clients, built from configuration by <see cref="IAgentModelCatalog"/>, against
/// the fake LLM over HTTP: turns, tool calls, usage, retries, timeouts and malformed answers.
/// </summary>
public sealed class ModelCatalogTests(FakeLlmFixture fixture) : IClassFixture<FakeLlmFixture>
{
    private const string Key = "sk-test-0123456789";
    private static readonly ChatMessage[] Question = [new(ChatRole.System, "You are terse."), new(ChatRole.User, "What is the EUR/USD rate?")];

    private FakeLlmServer Fake => fixture.Server;

    public static TheoryData<string, bool> ProvidersAndModes => new()
    {
        { "openai", false }, { "openai", true }, { "anthropic", false }, { "anthropic", true },
    };

    [Theory]
    [MemberData(nameof(ProvidersAndModes))]
    public async Task Text_ReturnsAnswerAndProviderUsage(string kind, bool streaming)
    {
        await Fake.ScriptAsync(new JsonObject { ["text"] = "One euro buys 1.08 dollars.", ["usage"] = new JsonObject { ["input"] = 21, ["output"] = 9 } });
        using var services = Services(kind);

        var response = await AskAsync(Client(services), Question, null, streaming);

        Assert.Equal("One euro buys 1.08 dollars.", response.Text);
        Assert.Equal(21, response.Usage?.InputTokenCount);
        Assert.Equal(9, response.Usage?.OutputTokenCount);
        var request = Assert.Single(await Fake.RequestsAsync())!;
        Assert.Equal(kind, request["protocol"]!.GetValue<string>());
        Assert.Equal(Key, request["apiKey"]!.GetValue<string>());
        Assert.Equal($"model-{kind}", request["body"]!["model"]!.GetValue<string>());
        Assert.Contains("What is the EUR/USD rate?", request["body"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ProvidersAndModes))]
    public async Task ToolCall_RoundTripsCallAndResult(string kind, bool streaming)
    {
        await Fake.ScriptAsync(
            new JsonObject
            {
                ["toolCalls"] = new JsonArray(new JsonObject
                {
                    ["id"] = "call-7",
                    ["name"] = "financial__exchange_rate",
                    ["arguments"] = new JsonObject { ["from"] = "EUR", ["to"] = "USD" },
                }),
            },
            new JsonObject { ["text"] = "1.08" });
        using var services = Services(kind);
        var client = Client(services);
        var options = new ChatOptions
        {
            Tools = [AIFunctionFactory.CreateDeclaration("financial__exchange_rate", "The rate between two currencies.",
                JsonDocument.Parse("""{"type":"object","properties":{"from":{"type":"string"},"to":{"type":"string"}},"required":["from","to"]}""").RootElement)],
        };

        var first = await AskAsync(client, Question, options, streaming);
        var call = Assert.Single(first.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("call-7", call.CallId);
        Assert.Equal("financial__exchange_rate", call.Name);
        Assert.Equal("EUR", call.Arguments!["from"]!.ToString());

        List<ChatMessage> conversation = [.. Question, .. first.Messages, new(ChatRole.Tool, [new FunctionResultContent("call-7", "1.0842")])];
        var second = await AskAsync(client, conversation, options, streaming);

        Assert.Equal("1.08", second.Text);
        var requests = await Fake.RequestsAsync();
        Assert.Equal(2, requests.Count);
        string offered = requests[0]!["body"]!["tools"]!.ToJsonString();
        Assert.Contains("financial__exchange_rate", offered, StringComparison.Ordinal);
        // The tool result goes back under the call's id, in the provider's own shape.
        var sent = requests[1]!["body"]!["messages"]!.AsArray();
        if (kind == "openai")
        {
            var result = Assert.Single(sent, m => m!["role"]!.GetValue<string>() == "tool")!;
            Assert.Equal("call-7", result["tool_call_id"]!.GetValue<string>());
            Assert.Contains("1.0842", result["content"]!.ToJsonString(), StringComparison.Ordinal);
        }
        else
        {
            var result = Assert.Single(sent.SelectMany(m => m!["content"] as JsonArray ?? []), b => b!["type"]!.GetValue<string>() == "tool_result")!;
            Assert.Equal("call-7", result["tool_use_id"]!.GetValue<string>());
            Assert.Contains("1.0842", result["content"]!.ToJsonString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(ProvidersAndModes))]
    public async Task RateLimited_WaitsForRetryAfterThenSucceeds(string kind, bool streaming)
    {
        await Fake.ScriptAsync(new JsonObject { ["status"] = 429, ["retryAfterSeconds"] = 1 }, new JsonObject { ["text"] = "after the wait" });
        using var services = Services(kind);
        var clock = Stopwatch.StartNew();

        var response = await AskAsync(Client(services), Question, null, streaming);

        Assert.Equal("after the wait", response.Text);
        Assert.Equal(2, (await Fake.RequestsAsync()).Count);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(950), $"Retried after {clock.Elapsed}, before the 1 s the provider asked for.");
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    public async Task RateLimited_RetryAfterPastTheLimit_FailsAtOnce(string kind)
    {
        await Fake.ScriptAsync(new JsonObject { ["status"] = 429, ["retryAfterSeconds"] = 600 }, new JsonObject { ["text"] = "never asked" });
        using var services = Services(kind);

        var error = await Assert.ThrowsAsync<ModelCallException>(() => Client(services).GetResponseAsync(Question, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(ModelFailure.RateLimited, error.Failure);
        Assert.Contains("600", error.Message, StringComparison.Ordinal);
        Assert.Single(await Fake.RequestsAsync());
    }

    [Theory]
    [MemberData(nameof(ProvidersAndModes))]
    public async Task ServerError_RetriedThenSucceeds(string kind, bool streaming)
    {
        await Fake.ScriptAsync(new JsonObject { ["status"] = 500 }, new JsonObject { ["status"] = 503 }, new JsonObject { ["text"] = "third time" });
        using var services = Services(kind);

        var response = await AskAsync(Client(services), Question, null, streaming);

        Assert.Equal("third time", response.Text);
        Assert.Equal(3, (await Fake.RequestsAsync()).Count);
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    public async Task ServerError_OnEveryTry_FailsWithTheStatus(string kind)
    {
        await Fake.ScriptAsync(new JsonObject { ["status"] = 500 }, new JsonObject { ["status"] = 500 }, new JsonObject { ["status"] = 502 }, new JsonObject { ["text"] = "too late" });
        using var services = Services(kind, maxRetries: 2);

        var error = await Assert.ThrowsAsync<ModelCallException>(() => Client(services).GetResponseAsync(Question, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(ModelFailure.ServerError, error.Failure);
        Assert.True(error.IsTransient);
        Assert.Contains("502", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, (await Fake.RequestsAsync()).Count);
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    public async Task Rejected_FailsAtOnceWithoutTheKey(string kind)
    {
        await Fake.ScriptAsync(new JsonObject { ["status"] = 401 }, new JsonObject { ["text"] = "never asked" });
        using var services = Services(kind);

        var error = await Assert.ThrowsAsync<ModelCallException>(() => Client(services).GetResponseAsync(Question, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(ModelFailure.Rejected, error.Failure);
        Assert.False(error.IsTransient);
        Assert.Contains("401", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, error.ToString(), StringComparison.Ordinal);
        Assert.Single(await Fake.RequestsAsync());
    }

    [Theory]
    [MemberData(nameof(ProvidersAndModes))]
    public async Task SlowAnswer_TimesOutThenRetries(string kind, bool streaming)
    {
        await Fake.ScriptAsync(new JsonObject { ["delayMs"] = 10_000, ["text"] = "too slow" }, new JsonObject { ["text"] = "in time" });
        using var services = Services(kind, timeoutSeconds: 1, maxRetries: 1);

        var response = await AskAsync(Client(services), Question, null, streaming);

        Assert.Equal("in time", response.Text);
        Assert.Equal(2, (await Fake.RequestsAsync()).Count);
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    public async Task SlowAnswer_OnEveryTry_FailsWithTimeout(string kind)
    {
        await Fake.ScriptAsync(new JsonObject { ["delayMs"] = 10_000, ["text"] = "too slow" });
        using var services = Services(kind, timeoutSeconds: 1, maxRetries: 0);

        var error = await Assert.ThrowsAsync<ModelCallException>(() => Client(services).GetResponseAsync(Question, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(ModelFailure.Timeout, error.Failure);
        Assert.Contains("1s", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ProvidersAndModes))]
    public async Task MalformedToolCallArguments_FailWithAClearReason(string kind, bool streaming)
    {
        await Fake.ScriptAsync(new JsonObject
        {
            ["toolCalls"] = new JsonArray(new JsonObject { ["name"] = "financial__exchange_rate", ["rawArguments"] = """{"from": "EUR", "to":""" }),
        });
        using var services = Services(kind);

        var error = await Assert.ThrowsAsync<ModelCallException>(() => AskAsync(Client(services), Question, null, streaming));

        // Anthropic's non-streaming body is JSON as a whole, so broken arguments make the answer itself unreadable.
        Assert.Equal(kind == "anthropic" && !streaming ? ModelFailure.InvalidResponse : ModelFailure.MalformedToolCall, error.Failure);
        if (error.Failure == ModelFailure.MalformedToolCall)
        {
            Assert.Contains("financial__exchange_rate", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void UnknownProvider_NamesTheConfiguredOnes()
    {
        using var services = Services("openai");
        var catalog = services.GetRequiredService<IAgentModelCatalog>();

        var error = Assert.Throws<KeyNotFoundException>(() => catalog.GetChatClient("gpt-5"));

        Assert.Contains("'gpt-5'", error.Message, StringComparison.Ordinal);
        Assert.Contains("test", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProviderWithoutModel_IsRefusedNamingTheKey()
    {
        using var services = Build(new Dictionary<string, string?>
        {
            ["Agents:Providers:broken:Kind"] = "anthropic",
            ["Agents:Providers:broken:Endpoint"] = "ftp://example.com",
        });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<AgentModelOptions>>().Value);

        Assert.Contains("Agents:Providers:broken:Model is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("Agents:Providers:broken:Endpoint must be an absolute http or https URL", error.Message, StringComparison.Ordinal);
    }

    private ServiceProvider Services(string kind, int timeoutSeconds = 10, int maxRetries = 2) => Build(new Dictionary<string, string?>
    {
        ["Agents:Providers:test:Kind"] = kind,
        ["Agents:Providers:test:Endpoint"] = kind == "openai" ? Fake.OpenAIEndpoint : Fake.Url,
        ["Agents:Providers:test:Model"] = $"model-{kind}",
        ["Agents:Providers:test:ApiKey"] = Key,
        ["Agents:Providers:test:TimeoutSeconds"] = timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Agents:Providers:test:MaxRetries"] = maxRetries.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    private static ServiceProvider Build(Dictionary<string, string?> settings) => new ServiceCollection()
        .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
        .AddLogging()
        .AddAgentModels()
        .BuildServiceProvider();

    private static IChatClient Client(ServiceProvider services) => services.GetRequiredService<IAgentModelCatalog>().GetChatClient("TEST");

    private static async Task<ChatResponse> AskAsync(IChatClient client, IEnumerable<ChatMessage> messages, ChatOptions? options, bool streaming) => streaming
        ? await client.GetStreamingResponseAsync(messages, options, TestContext.Current.CancellationToken).ToChatResponseAsync(TestContext.Current.CancellationToken)
        : await client.GetResponseAsync(messages, options, TestContext.Current.CancellationToken);
}
