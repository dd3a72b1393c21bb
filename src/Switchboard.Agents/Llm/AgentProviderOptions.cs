using Microsoft.Extensions.Options;

namespace Switchboard.Agents.Llm;

/// <summary>The wire protocol a provider speaks.</summary>
public enum ProviderKind
{
    /// <summary>OpenAI chat completions: OpenAI, Azure OpenAI's v1 endpoint, Ollama, vLLM and others that copy it.</summary>
    OpenAI,

    /// <summary>Anthropic messages.</summary>
    Anthropic,
}

/// <summary>
/// One language model an agent can name: <c>Agents:Providers:{name}</c>. The key belongs in secret configuration
/// (an environment variable such as <c>SWITCHBOARD__Agents__Providers__{name}__ApiKey</c>, never a checked-in file).
/// </summary>
public sealed class AgentProviderOptions
{
    /// <summary><c>openai</c> (any OpenAI-compatible endpoint) or <c>anthropic</c>.</summary>
    public ProviderKind Kind { get; set; } = ProviderKind.OpenAI;

    /// <summary>The API's base URL; the provider's public one when left out (<c>…/v1</c> for OpenAI-compatible servers).</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The model id sent with each request, e.g. <c>gpt-4.1-mini</c> or <c>claude-sonnet-4-5</c>.</summary>
    public string Model { get; set; } = string.Empty;

    /// <summary>The API key; optional for local servers (Ollama, vLLM) that take none.</summary>
    public string? ApiKey { get; set; }

    /// <summary>How long one attempt may take before it counts as failed (and is retried, if tries remain).</summary>
    public int TimeoutSeconds { get; set; } = 120;

    /// <summary>Retries after a 429, a 5xx, a timeout or a dropped connection; 0 tries once.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The longest <c>retry-after</c> honoured; a provider asking for more fails the call at once instead.</summary>
    public int MaxRetryAfterSeconds { get; set; } = 60;

    /// <summary>The output token limit sent when an agent sets none (Anthropic requires one on every request).</summary>
    public int MaxOutputTokens { get; set; } = 4096;

    /// <summary>The price of 1,000 input tokens, for agents' cost estimates and cost budgets (any currency, the same for all providers).</summary>
    public decimal? InputPricePer1K { get; set; }

    /// <summary>The price of 1,000 output tokens.</summary>
    public decimal? OutputPricePer1K { get; set; }

    /// <summary>The provider's public endpoint when <see cref="Endpoint"/> is not set.</summary>
    internal Uri EffectiveEndpoint => Endpoint ?? (Kind == ProviderKind.Anthropic
        ? new Uri("https://api.anthropic.com")
        : new Uri("https://api.openai.com/v1"));
}

/// <summary>The <c>Agents</c> section as far as language models go: the providers by name.</summary>
public sealed class AgentModelOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Agents";

    /// <summary>Providers by name (case-insensitive, as configuration keys are).</summary>
    public Dictionary<string, AgentProviderOptions> Providers { get; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>Refuses provider settings that would only fail at the first model call, saying which key to fix.</summary>
internal sealed class AgentModelOptionsValidator : IValidateOptions<AgentModelOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentModelOptions options)
    {
        var errors = new List<string>();
        foreach (var (provider, settings) in options.Providers)
        {
            string key = $"{AgentModelOptions.Section}:Providers:{provider}";
            if (!Enum.IsDefined(settings.Kind))
            {
                errors.Add($"{key}:Kind must be 'openai' or 'anthropic'.");
            }

            if (string.IsNullOrWhiteSpace(settings.Model))
            {
                errors.Add($"{key}:Model is required: the model id to send, e.g. 'gpt-4.1-mini' or 'claude-sonnet-4-5'.");
            }

            if (settings.Endpoint is { } endpoint && (!endpoint.IsAbsoluteUri || endpoint.Scheme is not ("http" or "https")))
            {
                errors.Add($"{key}:Endpoint must be an absolute http or https URL, not '{endpoint}'.");
            }

            if (settings.TimeoutSeconds is < 1 or > 3600)
            {
                errors.Add($"{key}:TimeoutSeconds must be between 1 and 3600, not {settings.TimeoutSeconds}.");
            }

            if (settings.MaxRetries is < 0 or > 10)
            {
                errors.Add($"{key}:MaxRetries must be between 0 and 10, not {settings.MaxRetries}.");
            }

            if (settings.MaxRetryAfterSeconds is < 0 or > 3600)
            {
                errors.Add($"{key}:MaxRetryAfterSeconds must be between 0 and 3600, not {settings.MaxRetryAfterSeconds}.");
            }

            if (settings.InputPricePer1K < 0 || settings.OutputPricePer1K < 0)
            {
                errors.Add($"{key}:InputPricePer1K and OutputPricePer1K must not be negative.");
            }

            if (settings.MaxOutputTokens < 1)
            {
                errors.Add($"{key}:MaxOutputTokens must be at least 1, not {settings.MaxOutputTokens}.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
