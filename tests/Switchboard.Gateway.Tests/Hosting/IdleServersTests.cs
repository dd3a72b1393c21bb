using Switchboard.Gateway.Hosting;

namespace Switchboard.Gateway.Tests.Hosting;

/// <summary>
/// The idle servers of one pool (<c>SessionlessServerPool</c>): how many are kept, and which a trim lets go — those no
/// call needed since the last trim, so that a burst's servers go and the ones in steady use stay.
/// </summary>
public sealed class IdleServersTests
{
    [Fact]
    public void AfterABurst_ServersStayOneInterval_ThenTheUnusedGo()
    {
        var idle = new IdleServers<Item>(capacity: 64);
        Assert.Empty(idle.TakeUnused()); // the pool's timer starts with nothing to look back on

        // A burst: 10 calls at once, each with a new server, all returned.
        var burst = Enumerable.Range(0, 10).Select(i => new Item(i)).ToList();
        Assert.All(burst, item => Assert.True(idle.TryKeep(item)));

        // They arrived during the interval; at its end none had been idle all along.
        Assert.Empty(idle.TakeUnused());

        // Then a steady 3 at a time for the next interval.
        for (int round = 0; round < 5; round++)
        {
            var inUse = Enumerable.Range(0, 3).Select(_ => idle.TryTake(out var item) ? item : throw new InvalidOperationException("no idle server")).ToList();
            inUse.ForEach(item => Assert.True(idle.TryKeep(item)));
        }

        var trimmed = idle.TakeUnused();
        Assert.Equal(7, trimmed.Count);

        // What is left is the 3 the steady load needed; idle through the next interval, they go too.
        Assert.Equal(3, idle.TakeUnused().Count);
        Assert.False(idle.TryTake(out _));
    }

    [Fact]
    public void WithoutCalls_EveryIdleServerGoesAtTheSecondTrim_AndNewOnesAreKeptAgain()
    {
        var idle = new IdleServers<Item>(capacity: 64);
        for (int i = 0; i < 5; i++)
        {
            Assert.True(idle.TryKeep(new Item(i)));
        }

        Assert.Empty(idle.TakeUnused());
        Assert.Equal(5, idle.TakeUnused().Count);
        Assert.False(idle.TryTake(out _));
        Assert.Empty(idle.TakeUnused());

        Assert.True(idle.TryKeep(new Item(9)));
        Assert.Empty(idle.TakeUnused());
        Assert.True(idle.TryTake(out var again));
        Assert.Equal(9, again.Id);
    }

    [Fact]
    public void KeepsAtMostItsCapacity_AndNothingOnceClosed()
    {
        var idle = new IdleServers<Item>(capacity: 2);
        Assert.True(idle.TryKeep(new Item(1)));
        Assert.True(idle.TryKeep(new Item(2)));
        Assert.False(idle.TryKeep(new Item(3)));

        Assert.Equal([1, 2], idle.Close().Select(i => i.Id));
        Assert.False(idle.TryKeep(new Item(4)));
        Assert.False(idle.TryTake(out _));
    }

    private sealed record Item(int Id) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
