using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using Anthropic;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenAI;
using Switchboard.Agents.Diagnostics;

namespace Switchboard.Agents.Llm;

/// <summary>
/// Builds each provider's client on first use: the SDK (retries off) over a <see cref="ProviderHttpHandler"/>, wrapped
/// in <see cref="ModelCallGuard"/> and OpenTelemetry. Clients live as long as the catalog.
/// </summary>
internal sealed class AgentModelCatalog(IOptions<AgentModelOptions> options, TimeProvider time, ILoggerFactory loggerFactory)
    : IAgentModelCatalog, IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<IChatClient>> _clients = new(StringComparer.OrdinalIgnoreCase);
    private readonly ILogger _logger = loggerFactory.CreateLogger<AgentModelCatalog>();

    public IReadOnlyCollection<string> Providers => options.Value.Providers.Keys;

    public bool Contains(string provider) => options.Value.Providers.ContainsKey(provider);

    public IChatClient GetChatClient(string provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        if (!options.Value.Providers.TryGetValue(provider, out var settings))
        {
            throw new KeyNotFoundException(Providers.Count == 0
                ? $"No model provider '{provider}': none is configured (Agents:Providers)."
                : $"No model provider '{provider}'; configured: {string.Join(", ", Providers.Order(StringComparer.Ordinal))}.");
        }

        return _clients.GetOrAdd(provider, name => new Lazy<IChatClient>(() => Build(name, settings))).Value;
    }

    private IChatClient Build(string provider, AgentProviderOptions settings)
    {
        var http = new HttpClient(new ProviderHttpHandler(provider, settings, time, _logger))
        {
            // The handler bounds each attempt; the whole call may take as long as its retries need.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        IChatClient client = settings.Kind switch
        {
            ProviderKind.Anthropic => new AnthropicClient
            {
                ApiKey = settings.ApiKey,
                BaseUrl = settings.EffectiveEndpoint.ToString().TrimEnd('/'),
                HttpClient = http,
                MaxRetries = 0,
                Timeout = Timeout.InfiniteTimeSpan,
            }.AsIChatClient(settings.Model, settings.MaxOutputTokens),
            _ => new OpenAIClient(
                // OpenAI-compatible servers without keys (Ollama, vLLM) ignore the header the SDK insists on sending.
                new ApiKeyCredential(string.IsNullOrEmpty(settings.ApiKey) ? "none" : settings.ApiKey),
                new OpenAIClientOptions
                {
                    Endpoint = settings.EffectiveEndpoint,
                    Transport = new HttpClientPipelineTransport(http),
                    RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
                    NetworkTimeout = Timeout.InfiniteTimeSpan,
                }).GetChatClient(settings.Model).AsIChatClient(),
        };

        return new ChatClientBuilder(client)
            .UseOpenTelemetry(loggerFactory, AgentDiagnostics.Name) // model-call spans and GenAI metrics, exported with the agents' own
            .Use(inner => new ModelCallGuard(inner, provider, _logger))
            .Build();
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values.Where(c => c.IsValueCreated))
        {
            client.Value.Dispose();
        }
    }
}
