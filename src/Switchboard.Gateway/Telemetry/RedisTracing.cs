using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Instrumentation.StackExchangeRedis;
using Switchboard.Storage.Caching;

namespace Switchboard.Gateway.Telemetry;

/// <summary>
/// Gives Switchboard's Redis connection to the OpenTelemetry StackExchange.Redis instrumentation, so that every Redis
/// round trip (the rate limiter's script, cache reads and writes, pub/sub publishes) is a client span under the span
/// that made it. The connection is made here, at start, when tracing is on (it is made once, whoever asks first); it
/// does not wait for Redis to be up. Statements are not recorded verbatim: keys hold principal ids.
/// </summary>
internal sealed class RedisTracing(IServiceProvider services) : IHostedService, IDisposable
{
    private IDisposable? _registration;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // A host without storage (a stdio server) has no Redis connection to trace.
        if (services.GetService<RedisConnection>() is not { IsConfigured: true } redis || services.GetService<StackExchangeRedisInstrumentation>() is not { } instrumentation)
        {
            return;
        }

        await redis.StartAsync(cancellationToken);
        if (redis.Multiplexer is { } multiplexer)
        {
            _registration = instrumentation.AddConnection(multiplexer);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _registration?.Dispose();
}
