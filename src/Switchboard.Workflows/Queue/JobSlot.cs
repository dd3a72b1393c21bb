using Switchboard.Storage.Queue;

namespace Switchboard.Workflows.Queue;

/// <summary>
/// The place on its worker (one of <see cref="JobQueueOptions.Concurrency"/>) that the job running in this async
/// context takes. A job that waits, inside its attempt, for work that needs the workers itself (a workflow run its
/// tool step started) lends the place while it waits (<see cref="Lend"/>), so that the worker claims other jobs
/// meanwhile: held, a fan-out of such steps wider than the workers left none for the runs they waited for, and every
/// run stopped for good.
/// </summary>
public sealed class JobSlot
{
    private static readonly AsyncLocal<JobSlot?> CurrentSlot = new();

    private readonly Action _lend;
    private readonly Action _takeBack;
    private readonly Lock _gate = new();
    private int _loans; // waits under way that lent the place (an agent may make several calls at once)
    private bool _ended;

    internal JobSlot(Action lend, Action takeBack) => (_lend, _takeBack) = (lend, takeBack);

    /// <summary>The place of the job running here; null outside a worker's job (a request).</summary>
    public static JobSlot? Current
    {
        get => CurrentSlot.Value;
        internal set => CurrentSlot.Value = value;
    }

    /// <summary>
    /// Lends the place until the result is disposed: the worker may claim another job meanwhile, and this one runs on
    /// without a place (it is waiting, and takes almost nothing). The place comes back when the last of the job's
    /// loans is disposed; the worker then runs one job over its concurrency until one ends.
    /// </summary>
    public IDisposable Lend()
    {
        bool first;
        lock (_gate)
        {
            first = !_ended && _loans++ == 0;
        }

        if (first)
        {
            _lend();
        }

        return new Loan(this);
    }

    /// <summary>The job is over: a place it still lends is taken back, and the loans' ends change nothing more.</summary>
    internal void End()
    {
        bool lent;
        lock (_gate)
        {
            lent = !_ended && _loans > 0;
            _ended = true;
        }

        if (lent)
        {
            _takeBack();
        }
    }

    private void Return()
    {
        bool last;
        lock (_gate)
        {
            last = !_ended && --_loans == 0;
        }

        if (last)
        {
            _takeBack();
        }
    }

    private sealed class Loan(JobSlot slot) : IDisposable
    {
        private int _returned;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _returned, 1) == 0)
            {
                slot.Return();
            }
        }
    }
}
