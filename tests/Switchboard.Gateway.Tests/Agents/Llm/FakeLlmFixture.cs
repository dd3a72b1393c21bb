using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Agents.Llm;

/// <summary>One fake LLM process per test class; each test loads its own script.</summary>
public sealed class FakeLlmFixture : IAsyncLifetime
{
    private FakeLlmServer? _server;

    public FakeLlmServer Server => _server ?? throw new InvalidOperationException("The fake LLM is not started.");

    public async ValueTask InitializeAsync() => _server = await FakeLlmServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
