namespace Switchboard.Host;

/// <summary>
/// Runtime settings chosen at start from the CPUs the process may use (<see cref="Environment.ProcessorCount"/>
/// honours a cpuset, <c>taskset</c>, and a CFS quota such as a container's <c>--cpus 1</c>), so the published
/// executable and the container image get them without an environment variable.
/// </summary>
public static class CpuLimitTuning
{
    /// <summary>The runtime setting (AppContext, or <c>DOTNET_ThreadPool_UnfairSemaphoreSpinLimit</c>) for how long an idle thread-pool worker spins.</summary>
    public const string SpinLimitSetting = "System.Threading.ThreadPool.UnfairSemaphoreSpinLimit";

    private const string SpinLimitVariable = "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit";

    /// <summary>Applies the settings; call it first in <c>Main</c>, before the thread pool starts (it reads them once).</summary>
    public static void Apply()
    {
        bool configured = AppContext.GetData(SpinLimitSetting) is not null || Environment.GetEnvironmentVariable(SpinLimitVariable) is not null;
        if (SpinLimitFor(Environment.ProcessorCount, configured) is { } spinLimit)
        {
            AppContext.SetData(SpinLimitSetting, spinLimit);
        }
    }

    /// <summary>
    /// The thread-pool spin limit for <paramref name="processorCount"/> CPUs, or null to keep the runtime's default
    /// (70) or what the operator <paramref name="configured"/>.
    /// </summary>
    /// <remarks>
    /// On one CPU an idle worker of .NET 10's pool does not spin but yields the CPU (sched_yield) up to 60 times
    /// before it sleeps. Workers go idle and wake around every request, so they hand the only CPU to one another
    /// instead of to the threads with work (issue 18, the one-core collapse). With more CPUs a short spin saves a
    /// wake-up and costs nothing that another request needed, so the default stays.
    /// </remarks>
    public static int? SpinLimitFor(int processorCount, bool configured) =>
        processorCount == 1 && !configured ? 0 : null;
}
