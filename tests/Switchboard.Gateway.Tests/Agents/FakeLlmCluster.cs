using Switchboard.Gateway.Tests.Cli;
using Switchboard.Gateway.Tests.Tasks;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Agents;

/// <summary>
/// What the agent end-to-end tests share: the fake model (tests/Switchboard.FakeLlm) and published processes on one
/// store (<see cref="TaskProcesses"/>), every one of them configured with the fake as the provider <c>fake</c> of the
/// production OpenAI client, without retries.
/// </summary>
internal sealed class FakeLlmCluster : IAsyncDisposable
{
    private FakeLlmCluster(FakeLlmServer llm, TaskProcesses processes) => (Llm, Processes) = (llm, processes);

    public FakeLlmServer Llm { get; }

    public TaskProcesses Processes { get; }

    /// <summary>The provider <c>fake</c>, pointed at <see cref="Llm"/>.</summary>
    public string[] ProviderFlags =>
    [
        "--Agents:Providers:fake:Kind=openai", $"--Agents:Providers:fake:Endpoint={Llm.OpenAIEndpoint}", "--Agents:Providers:fake:Model=fake-model",
        "--Agents:Providers:fake:ApiKey=sk-test", "--Agents:Providers:fake:MaxRetries=0",
    ];

    /// <summary>Starts the fake model, and a store for the processes: SQLite, or a PostgreSQL database of its own.</summary>
    public static async Task<FakeLlmCluster> StartAsync(bool postgres)
    {
        var llm = await FakeLlmServer.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            return new FakeLlmCluster(llm, await TaskProcesses.CreateAsync(postgres));
        }
        catch
        {
            await llm.DisposeAsync();
            throw;
        }
    }

    /// <summary><c>switchboard serve</c> with the provider and more <paramref name="flags"/>.</summary>
    public Task<GatewayProcess> StartServeAsync(params string[] flags) => Processes.StartServeAsync([.. ProviderFlags, .. flags]);

    /// <summary><c>switchboard worker</c> with the provider and more <paramref name="flags"/>.</summary>
    public Task<GatewayProcess> StartWorkerAsync(params string[] flags) => Processes.StartWorkerAsync([.. ProviderFlags, .. flags]);

    public async ValueTask DisposeAsync()
    {
        await Processes.DisposeAsync();
        await Llm.DisposeAsync();
    }
}
