using Microsoft.Extensions.AI;

namespace Switchboard.Agents.Llm;

/// <summary>
/// The configured language models (<c>Agents:Providers</c>), as <see cref="IChatClient"/>s ready for agents. Each
/// client retries 429 (honouring <c>retry-after</c>), 5xx, timeouts and dropped connections with backoff, bounds each
/// attempt by the provider's timeout, reports token usage in <see cref="ChatResponse.Usage"/> (streaming:
/// <see cref="UsageContent"/> in the updates), emits OpenTelemetry GenAI spans and metrics, and fails with a
/// <see cref="ModelCallException"/> that says why. It never invokes tools itself: the caller persists each model
/// turn and runs the tool calls it asks for.
/// </summary>
public interface IAgentModelCatalog
{
    /// <summary>The configured provider names.</summary>
    IReadOnlyCollection<string> Providers { get; }

    /// <summary>Whether <paramref name="provider"/> is configured.</summary>
    bool Contains(string provider);

    /// <summary>The client for <paramref name="provider"/>; throws <see cref="KeyNotFoundException"/>, naming the configured ones, when there is none.</summary>
    IChatClient GetChatClient(string provider);
}
