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
    private int _lent;

    internal JobSlot(Action lend, Action takeBack) => (_lend, _takeBack) = (lend, takeBack);

    /// <summary>The place of the job running here; null outside a worker's job (a request).</summary>
    public static JobSlot? Current
    {
        get => CurrentSlot.Value;
        internal set => CurrentSlot.Value = value;
    }

    /// <summary>
    /// Lends the place until the result is disposed: the worker may claim another job meanwhile, and this one runs on
    /// without a place (it is waiting, and takes almost nothing). Taken back, the worker runs one job over its
    /// concurrency until one ends. Lending what is already lent does nothing.
    /// </summary>
    public IDisposable Lend()
    {
        if (Interlocked.Exchange(ref _lent, 1) == 1)
        {
            return NothingLent.Instance;
        }

        _lend();
        return new Loan(this);
    }

    internal void TakeBack()
    {
        if (Interlocked.Exchange(ref _lent, 0) == 1)
        {
            _takeBack();
        }
    }

    private sealed class Loan(JobSlot slot) : IDisposable
    {
        public void Dispose() => slot.TakeBack();
    }

    private sealed class NothingLent : IDisposable
    {
        public static readonly NothingLent Instance = new();

        public void Dispose()
        {
        }
    }
}
