namespace Switchboard.Storage.Caching;

/// <summary>
/// A cache for hot lookups (API keys, tool lists): in-process memory first, then Redis when configured, then the
/// factory. Invalidations reach every replica over Redis pub/sub. Null results are cached too, so unknown keys do
/// not reach the database on every request.
/// </summary>
public interface IHotCache
{
    /// <summary>The cached value for <paramref name="key"/>, or the factory's (then cached).</summary>
    ValueTask<T?> GetOrCreateAsync<T>(string key, Func<CancellationToken, ValueTask<T?>> factory, CancellationToken cancellationToken = default)
        where T : class;

    /// <summary>Drops <paramref name="key"/> here, in Redis, and in every other replica's memory.</summary>
    ValueTask InvalidateAsync(string key, CancellationToken cancellationToken = default);
}
