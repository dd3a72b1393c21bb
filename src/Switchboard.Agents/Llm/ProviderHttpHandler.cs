using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;

namespace Switchboard.Agents.Llm;

/// <summary>
/// Sits under both SDKs (whose own retries are off) so that every provider retries alike: 429 after its
/// <c>retry-after</c> (or <c>retry-after-ms</c>), 5xx, timeouts and dropped connections with exponential backoff and
/// jitter, each attempt bounded by the provider's timeout. A non-streaming answer is read within that bound too. When
/// the tries run out it throws <see cref="ModelCallException"/> saying why; the key never appears in what it reports.
/// </summary>
internal sealed class ProviderHttpHandler(string provider, AgentProviderOptions options, TimeProvider time, ILogger logger)
    : DelegatingHandler(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LongestBackoff = TimeSpan.FromSeconds(20);
    private const int LongestErrorText = 300;

    private TimeSpan AttemptTimeout => TimeSpan.FromSeconds(options.TimeoutSeconds);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is not null)
        {
            // Buffered once, so that each retry sends the same bytes.
            await request.Content.LoadIntoBufferAsync(cancellationToken);
        }

        for (int attempt = 1; ; attempt++)
        {
            var (response, failure) = await TryOnceAsync(request, cancellationToken);
            if (failure is null)
            {
                return response!;
            }

            TimeSpan? retryAfter = response is null ? null : RetryAfter(response);
            response?.Dispose();
            if (attempt > options.MaxRetries)
            {
                throw failure;
            }

            if (retryAfter > TimeSpan.FromSeconds(options.MaxRetryAfterSeconds))
            {
                throw new ModelCallException(provider, failure.Failure,
                    $"{failure.Message} It asked to wait {retryAfter.Value.TotalSeconds:0.#}s, more than the {options.MaxRetryAfterSeconds}s allowed (Agents:Providers:{provider}:MaxRetryAfterSeconds).");
            }

            TimeSpan delay = retryAfter ?? Backoff(attempt);
            Log.ModelCallRetry(logger, provider, attempt, options.MaxRetries + 1, failure.Failure, delay);
            await Task.Delay(delay, time, cancellationToken);
        }
    }

    /// <summary>One attempt: the response when it is done with (success, or an error not worth retrying), else the failure it counts as.</summary>
    private async Task<(HttpResponseMessage? Response, ModelCallException? Failure)> TryOnceAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(AttemptTimeout);
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, attempt.Token);
            if (response.IsSuccessStatusCode && response.Content.Headers.ContentType?.MediaType != "text/event-stream")
            {
                await response.Content.LoadIntoBufferAsync(attempt.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, new ModelCallException(provider, ModelFailure.Timeout,
                $"Model provider '{provider}' did not answer within {options.TimeoutSeconds}s (Agents:Providers:{provider}:TimeoutSeconds)."));
        }
        catch (HttpRequestException e)
        {
            return (null, new ModelCallException(provider, ModelFailure.Unreachable,
                $"Model provider '{provider}' at {options.EffectiveEndpoint} could not be reached: {e.Message}", e));
        }

        if (response.IsSuccessStatusCode)
        {
            return (response, null);
        }

        var status = response.StatusCode;
        string detail = await ErrorTextAsync(response, attempt.Token);
        ModelFailure failure = status switch
        {
            HttpStatusCode.TooManyRequests => ModelFailure.RateLimited,
            HttpStatusCode.RequestTimeout => ModelFailure.Timeout,
            >= HttpStatusCode.InternalServerError => ModelFailure.ServerError,
            _ => ModelFailure.Rejected,
        };
        var error = new ModelCallException(provider, failure,
            $"Model provider '{provider}' answered {(int)status} {response.ReasonPhrase}: {detail}");
        if (failure == ModelFailure.Rejected)
        {
            response.Dispose();
            throw error;
        }

        return (response, error);
    }

    /// <summary>The start of the error body, with the key blanked out should the provider echo it.</summary>
    private async Task<string> ErrorTextAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            return "(no readable body)";
        }

        if (!string.IsNullOrEmpty(options.ApiKey))
        {
            text = text.Replace(options.ApiKey, "[key]", StringComparison.Ordinal);
        }

        text = text.ReplaceLineEndings(" ").Trim();
        return text.Length <= LongestErrorText ? text : string.Concat(text.AsSpan(0, LongestErrorText), "…");
    }

    /// <summary>How long the provider asked to wait: <c>retry-after-ms</c> (OpenAI), <c>retry-after</c> in seconds or as a date.</summary>
    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("retry-after-ms", out var values)
            && double.TryParse(values.First(), NumberStyles.Float, CultureInfo.InvariantCulture, out double milliseconds)
            && milliseconds >= 0)
        {
            return TimeSpan.FromMilliseconds(milliseconds);
        }

        return response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date > time.GetUtcNow() ? date - time.GetUtcNow() : TimeSpan.Zero,
            _ => null,
        };
    }

    /// <summary>Half a second doubled per attempt, at most 20 s, with up to 25% jitter so that agents retrying together spread out.</summary>
    private static TimeSpan Backoff(int attempt)
    {
        double milliseconds = Math.Min(FirstBackoff.TotalMilliseconds * Math.Pow(2, attempt - 1), LongestBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(milliseconds * (1 + (Random.Shared.NextDouble() * 0.25)));
    }
}
