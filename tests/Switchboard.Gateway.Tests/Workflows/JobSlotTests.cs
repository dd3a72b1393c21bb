using Switchboard.Workflows.Queue;

namespace Switchboard.Gateway.Tests.Workflows;

/// <summary>
/// A job's worker place is lent while any of its waits is under way (an agent may wait for several calls at once), and
/// comes back once: when the last wait ends, or when the job ends first.
/// </summary>
public sealed class JobSlotTests
{
    private int _lent;

    private JobSlot NewSlot() => new(lend: () => _lent++, takeBack: () => _lent--);

    [Fact]
    public void ThePlaceIsLentWhileAnyWaitIsUnderWay_AndComesBackOnceWhenTheLastEnds()
    {
        var slot = NewSlot();

        var first = slot.Lend();
        var second = slot.Lend();
        Assert.Equal(1, _lent);

        first.Dispose();
        first.Dispose();
        Assert.Equal(1, _lent); // the second wait still goes on

        second.Dispose();
        Assert.Equal(0, _lent);

        using (slot.Lend())
        {
            Assert.Equal(1, _lent); // lent again for a later wait
        }

        Assert.Equal(0, _lent);
    }

    [Fact]
    public void AJobThatEndsWhileLending_TakesItsPlaceBack_AndItsLoansEndingLaterChangeNothing()
    {
        var slot = NewSlot();
        var loan = slot.Lend();

        slot.End();
        Assert.Equal(0, _lent);

        loan.Dispose();
        slot.Lend().Dispose();
        slot.End();
        Assert.Equal(0, _lent);
    }
}
