namespace Switchboard.Agents.Llm;

/// <summary>Why a model call failed, for the run's record and for deciding whether trying later may help.</summary>
public enum ModelFailure
{
    /// <summary>429 on every try, or a <c>retry-after</c> longer than the provider's limit.</summary>
    RateLimited,

    /// <summary>5xx on every try.</summary>
    ServerError,

    /// <summary>No answer within the provider's timeout on every try.</summary>
    Timeout,

    /// <summary>The endpoint could not be reached on every try.</summary>
    Unreachable,

    /// <summary>The provider refused the request (400, 401, 403, 404…): retrying the same request will not help.</summary>
    Rejected,

    /// <summary>The model called a tool with arguments that are not a JSON object.</summary>
    MalformedToolCall,

    /// <summary>The answer could not be read as the provider's protocol.</summary>
    InvalidResponse,
}

/// <summary>
/// A model call failed after the provider's retries. The message is safe to show and store: it never holds the key.
/// </summary>
public sealed class ModelCallException(string provider, ModelFailure failure, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    /// <summary>The configured provider name.</summary>
    public string Provider { get; } = provider;

    /// <summary>What went wrong.</summary>
    public ModelFailure Failure { get; } = failure;

    /// <summary>Whether a later attempt (a resumed run, say) may succeed where this one did not.</summary>
    public bool IsTransient => Failure is ModelFailure.RateLimited or ModelFailure.ServerError or ModelFailure.Timeout or ModelFailure.Unreachable;
}
