using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Switchboard.Agents.Mcp;
using Switchboard.Storage;
using Switchboard.Storage.Caching;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Agents;

/// <summary>The agents server's tool list follows <c>agents:changed</c> on Redis (a real one): a burst is one refresh, and the last change is read.</summary>
public sealed class AgentsRefresherTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ABurstOfAnnouncements_DuringARefresh_IsOneMoreRefresh_AndTheLastChangeIsRead()
    {
        const int Burst = 20;
        await using var redis = new RedisConnection(Options.Create(new StorageOptions
        {
            Redis = { ConnectionString = TestServices.Redis, KeyPrefix = $"t{Guid.NewGuid():N}:" },
        }));
        await redis.StartAsync(Ct);

        // Each refresh records the last change announced before it began; the first one is held until the burst is in.
        int announced = 0;
        var seen = new List<int>();
        var firstStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task RefreshAsync(CancellationToken cancellationToken)
        {
            lock (seen)
            {
                seen.Add(Volatile.Read(ref announced));
            }

            if (firstStarted.TrySetResult())
            {
                await releaseFirst.Task.WaitAsync(cancellationToken);
            }
        }

        using var refresher = new AgentsServer.Refresher(RefreshAsync, redis, NullLogger<AgentsServer>.Instance);
        await refresher.StartAsync(Ct);
        try
        {
            await firstStarted.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct); // the refresher has subscribed by now
            // Counted after the refresher's own handler on the same connection: when this one has seen a message, so has the refresher.
            int delivered = 0;
            await redis.Multiplexer!.GetSubscriber().SubscribeAsync(RedisChannel.Literal(redis.KeyPrefix + AgentsServer.Channel), (_, _) => Interlocked.Increment(ref delivered));

            for (int i = 1; i <= Burst; i++)
            {
                Volatile.Write(ref announced, i);
                await redis.PublishAsync(AgentsServer.Channel, i);
            }

            await Poll.UntilAsync(() => Volatile.Read(ref delivered) == Burst, TimeSpan.FromSeconds(30), "the burst was not delivered");
            releaseFirst.SetResult();
            await Poll.UntilAsync(() => Seen().Contains(Burst), TimeSpan.FromSeconds(30), "no refresh read the burst's last change");

            // One more announcement, after the burst's refresh: the refresh it causes is the third, not one of twenty queued before it.
            Volatile.Write(ref announced, Burst + 1);
            await redis.PublishAsync(AgentsServer.Channel, Burst + 1);
            await Poll.UntilAsync(() => Seen().Contains(Burst + 1), TimeSpan.FromSeconds(30), "no refresh read the last change");

            // Old behaviour: a refresh per message, twenty-two in all. The first saw nothing; the last saw the last change.
            var refreshes = Seen();
            Assert.InRange(refreshes.Length, 3, 4);
            Assert.Equal(0, refreshes[0]);
            Assert.Equal(Burst + 1, refreshes[^1]);
        }
        finally
        {
            await refresher.StopAsync(CancellationToken.None);
        }

        int[] Seen()
        {
            lock (seen)
            {
                return [.. seen];
            }
        }
    }
}
