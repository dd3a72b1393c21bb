using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Switchboard.Storage.Diagnostics;

namespace Switchboard.Storage.Caching;

/// <summary>
/// The optional shared Redis connection. It never blocks a caller on Redis being down: while disconnected,
/// <see cref="Database"/> is null and callers use local state; StackExchange.Redis reconnects in the background and
/// <see cref="Restored"/> fires when it is back. Commands fail fast instead of queueing while reconnecting.
/// </summary>
public sealed class RedisConnection : IAsyncDisposable
{
    private readonly RedisOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _startLock = new(1, 1);
    private readonly ConcurrentDictionary<string, Action<RedisChannel, RedisValue>> _subscriptions = new(StringComparer.Ordinal);
    private ConnectionMultiplexer? _multiplexer;
    private long _degradedSinceTicks = -1;
    private long _outages;
    private string? _lastError;

    /// <summary>Creates the connection holder; nothing connects until <see cref="StartAsync"/>.</summary>
    public RedisConnection(IOptions<StorageOptions> options, ILogger<RedisConnection>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value.Redis;
        _logger = logger ?? NullLogger<RedisConnection>.Instance;
        _time = timeProvider ?? TimeProvider.System;
        StorageDiagnostics.Track(this);
    }

    /// <summary>Raised (on a background thread) when Redis is reachable again after an outage.</summary>
    public event Action? Restored;

    /// <summary>Whether Redis is configured at all.</summary>
    public bool IsConfigured => _options.Enabled;

    /// <summary>Whether commands can be sent now.</summary>
    public bool IsAvailable => _multiplexer is { IsConnected: true };

    /// <summary>Configured but not reachable: callers serve from local state.</summary>
    public bool IsDegraded => IsConfigured && !IsAvailable;

    /// <summary>When the current outage began, if one is under way.</summary>
    public DateTimeOffset? DegradedSince => Interlocked.Read(ref _degradedSinceTicks) is var t and >= 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    /// <summary>Outages since start.</summary>
    public long Outages => Interlocked.Read(ref _outages);

    /// <summary>The last connection or command error, for health details.</summary>
    public string? LastError => _lastError;

    /// <summary>The configured endpoints, without passwords.</summary>
    public string Endpoint => IsConfigured ? string.Join(",", ConfigurationOptions.Parse(_options.ConnectionString!).EndPoints.Select(e => e.ToString())) : "(none)";

    /// <summary>The multiplexer once <see cref="StartAsync"/> made it (connected or reconnecting); for instrumentation (Redis command spans).</summary>
    public IConnectionMultiplexer? Multiplexer => _multiplexer;

    /// <summary>The database to use now, or null while Redis is unavailable or not configured.</summary>
    public IDatabase? Database => IsAvailable ? _multiplexer!.GetDatabase() : null;

    /// <summary>The key prefix every user of this connection applies.</summary>
    public string KeyPrefix => _options.KeyPrefix;

    /// <summary>Connects (once) without waiting for Redis to be up; a no-op when Redis is not configured.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (!IsConfigured || _multiplexer is not null)
        {
            return;
        }

        await _startLock.WaitAsync(cancellationToken);
        try
        {
            if (_multiplexer is not null)
            {
                return;
            }

            var configuration = ConfigurationOptions.Parse(_options.ConnectionString!);
            var timeout = (int)_options.OperationTimeout.TotalMilliseconds;
            configuration.AbortOnConnectFail = false;
            configuration.BacklogPolicy = BacklogPolicy.FailFast;
            configuration.ConnectTimeout = Math.Max(timeout, 1000);
            configuration.SyncTimeout = timeout;
            configuration.AsyncTimeout = timeout;
            configuration.ReconnectRetryPolicy = new LinearRetry(1000);
            configuration.ClientName ??= "switchboard";

            var multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration);
            multiplexer.ConnectionFailed += OnConnectionFailed;
            multiplexer.ConnectionRestored += OnConnectionRestored;
            _multiplexer = multiplexer;
            if (!multiplexer.IsConnected)
            {
                MarkDegraded("initial connection failed", null);
            }

            foreach (var (channel, handler) in _subscriptions)
            {
                await TrySubscribeAsync(channel, handler);
            }
        }
        finally
        {
            _startLock.Release();
        }
    }

    /// <summary>
    /// Subscribes <paramref name="handler"/> to <c>{KeyPrefix}{channel}</c>, now or when the connection starts.
    /// StackExchange.Redis re-subscribes by itself after a reconnect.
    /// </summary>
    public async Task SubscribeAsync(string channel, Action<RedisChannel, RedisValue> handler)
    {
        var name = KeyPrefix + channel;
        _subscriptions[name] = handler;
        if (_multiplexer is not null)
        {
            await TrySubscribeAsync(name, handler);
        }
    }

    /// <summary>Publishes to <c>{KeyPrefix}{channel}</c>; returns the receivers reached (0 before the connection starts).</summary>
    public Task<long> PublishAsync(string channel, RedisValue message) =>
        _multiplexer?.GetSubscriber().PublishAsync(RedisChannel.Literal(KeyPrefix + channel), message)
        ?? Task.FromResult(0L);

    /// <summary>Records that an operation fell back to local state.</summary>
    public void ReportFallback(string operation, Exception? exception)
    {
        StorageDiagnostics.RedisFallbacks.Add(1, new KeyValuePair<string, object?>("operation", operation));
        if (exception is not null)
        {
            _lastError = exception.Message;
            Log.RedisOperationFailed(_logger, operation, exception);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        StorageDiagnostics.Untrack(this);
        if (_multiplexer is { } multiplexer)
        {
            multiplexer.ConnectionFailed -= OnConnectionFailed;
            multiplexer.ConnectionRestored -= OnConnectionRestored;
            await multiplexer.DisposeAsync();
        }

        _startLock.Dispose();
    }

    private async Task TrySubscribeAsync(string channel, Action<RedisChannel, RedisValue> handler)
    {
        try
        {
            await _multiplexer!.GetSubscriber().SubscribeAsync(RedisChannel.Literal(channel), handler);
        }
        catch (RedisException ex)
        {
            // Not connected yet: the subscription is registered and restored by the multiplexer when it connects.
            _lastError = ex.Message;
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e) =>
        MarkDegraded(e.FailureType.ToString(), e.Exception);

    private void MarkDegraded(string failure, Exception? exception)
    {
        _lastError = exception?.Message ?? failure;
        if (Interlocked.CompareExchange(ref _degradedSinceTicks, _time.GetUtcNow().UtcTicks, -1) == -1)
        {
            Interlocked.Increment(ref _outages);
            StorageDiagnostics.RedisOutages.Add(1);
            Log.RedisLost(_logger, Endpoint, failure, exception);
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (!IsAvailable)
        {
            return;
        }

        var since = Interlocked.Exchange(ref _degradedSinceTicks, -1);
        if (since >= 0)
        {
            Log.RedisRestored(_logger, Endpoint, (_time.GetUtcNow().UtcTicks - since) / (double)TimeSpan.TicksPerSecond);
            Restored?.Invoke();
        }
    }
}
