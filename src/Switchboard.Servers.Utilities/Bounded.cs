namespace Switchboard.Servers.Utilities;

/// <summary>
/// Runs CPU-bound tool work off the request path with a deadline. Work that can check the token it is given stops
/// at the deadline; work inside a library that cannot (a schema evaluation, a diff) is abandoned: the caller gets a
/// timeout error at once and the server keeps answering, while the abandoned computation finishes on the pool.
/// Such work must be bounded before it starts, so that this tail is short: by the input size limits, by a match
/// timeout on every regular expression (<see cref="RegexDefaults"/>) and, for JSON Schema, by an estimate of the
/// evaluations a schema needs (<see cref="Limits.MaxSchemaEvaluations"/>).
/// </summary>
internal static class Bounded
{
    /// <summary>Default deadline for one tool's computation.</summary>
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromSeconds(5);

    /// <summary>Runs <paramref name="work"/> with <paramref name="limit"/>; a timeout becomes a tool error naming <paramref name="what"/>.</summary>
    public static async Task<T> RunAsync<T>(Func<CancellationToken, T> work, string what, CancellationToken cancellationToken, TimeSpan? limit = null)
    {
        var deadline = limit ?? DefaultLimit;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        try
        {
            return await Task.Run(() => work(timeout.Token), timeout.Token).WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ToolError.Throw<T>(
                $"{what} took longer than its {deadline.TotalSeconds:0.#} s limit and was stopped. Send a smaller or simpler input.");
        }
    }
}
