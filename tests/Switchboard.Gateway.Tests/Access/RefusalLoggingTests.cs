using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Switchboard.Storage.Repositories;
using Switchboard.Storage.Model;
using Switchboard.Gateway.Tests.Identity;

namespace Switchboard.Gateway.Tests.Access;

/// <summary>
/// Refusals are answers, not faults: with the product's logging configuration, each is one Warning line at most, with
/// no Error entry and no stack trace; a tool that really fails still logs at Error.
/// </summary>
public sealed class RefusalLoggingTests(AuthenticatedGatewayServer gateway) : IClassFixture<AuthenticatedGatewayServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Refusals_AreOneWarningLineEach_NoErrorNoStackTrace_NoRawControlCharacters()
    {
        var log = Capture();
        await using var reader = await gateway.ConnectAsync("/mcp", "2025-11-25", bearerToken: gateway.TokenFor($"reader-{Guid.NewGuid():N}", "reader"));
        await using var limited = await gateway.ConnectAsync("/mcp", "2025-11-25", bearerToken: gateway.TokenFor($"busy-{Guid.NewGuid():N}", "limited"));
        await limited.CallToolAsync("everything__test_simple_text", cancellationToken: Ct);
        await limited.CallToolAsync("everything__test_simple_text", cancellationToken: Ct);

        Func<Task>[] refusals =
        [
            async () => await reader.CallToolAsync("everything__test_image_content", cancellationToken: Ct),
            async () => await reader.CallToolAsync("everything__test_image_content", cancellationToken: Ct),
            // A newline cannot travel in the name's HTTP header; a tab (escaped the same way) can.
            async () => await reader.CallToolAsync("evil\tforged", cancellationToken: Ct),
            async () => await reader.GetPromptAsync("everything__test_prompt_with_image", cancellationToken: Ct),
            async () => await reader.ReadResourceAsync("test://static-text", cancellationToken: Ct),
            async () => await limited.CallToolAsync("everything__test_simple_text", cancellationToken: Ct),
        ];
        foreach (var refusal in refusals)
        {
            await Assert.ThrowsAsync<McpProtocolException>(refusal);
        }

        var entries = log.Entries.Where(e => e.Level >= LogLevel.Warning).ToList();
        Assert.DoesNotContain(entries, e => e.Level >= LogLevel.Error);
        Assert.DoesNotContain(entries, e => e.Exception is not null);
        Assert.True(entries.Count <= refusals.Length, string.Join(Environment.NewLine, entries.Select(e => $"{e.Category} {e.Level} {e.Message}")));
        Assert.All(entries, e => Assert.False(e.Message.Any(char.IsControl), e.Message));
        Assert.Contains(entries, e => e.Message.Contains(@"evil\tforged", StringComparison.Ordinal));
    }

    // A built-in tool refusing what it was given (an unknown time zone) answers with isError, as the SDK words it, and
    // is the caller's mistake: no Error entry, and audited as the tool's error, not as a failed call.
    [Fact]
    public async Task ToolRefusingItsInput_AnswersIsError_WithoutAnErrorEntry_AuditedAsToolError()
    {
        var log = Capture();
        await using var client = await gateway.ConnectAsync("/mcp", "2025-11-25");

        var result = await client.CallToolAsync("utilities__time_convert", new Dictionary<string, object?> { ["timestamp"] = "2026-01-01T00:00:00Z", ["toTimeZone"] = "Nowhere/Atlantis" }, cancellationToken: Ct);

        Assert.True(result.IsError);
        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.StartsWith("An error occurred invoking 'utilities__time_convert': ", text, StringComparison.Ordinal);
        Assert.Contains("Nowhere/Atlantis", text, StringComparison.Ordinal);
        Assert.DoesNotContain(log.Entries, e => e.Level >= LogLevel.Error);
        var audited = await gateway.Services.GetRequiredService<IAuditStore>().QueryAsync(new AuditQuery(Action: "tools/call", Target: "utilities/time_convert"), Ct);
        Assert.Equal("tool-error", audited[^1].Outcome);
    }

    [Fact]
    public async Task ToolThatThrows_StillLogsAnError()
    {
        var log = Capture();
        // The client's LLM fails, so the tool's sampling request throws inside the tool.
        var options = new McpClientOptions
        {
            Handlers = new McpClientHandlers { SamplingHandler = (_, _, _) => throw new InvalidOperationException("test: the LLM is down") },
        };
        await using var client = await gateway.ConnectAsync("/mcp", "2025-11-25", options);

        await Assert.ThrowsAnyAsync<McpException>(async () => await client.CallToolAsync("everything__test_sampling", new Dictionary<string, object?> { ["prompt"] = "hi" }, cancellationToken: Ct));

        Assert.Contains(log.Entries, e => e.Level == LogLevel.Error && e.Exception is not null);
    }

    private CapturingLoggerProvider Capture()
    {
        var provider = new CapturingLoggerProvider();
        gateway.Services.GetRequiredService<ILoggerFactory>().AddProvider(provider);
        return provider;
    }

    /// <summary>Keeps every entry the gateway's configured filters let through.</summary>
    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<(string Category, LogLevel Level, string Message, Exception? Exception)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                provider.Entries.Enqueue((category, logLevel, formatter(state, exception), exception));
        }
    }
}
