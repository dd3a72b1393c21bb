using Switchboard.Host;

namespace Switchboard.Gateway.Tests.Hosting;

/// <summary>The thread-pool spinning the executable chooses at start from the CPUs it may use (issue 18, one core).</summary>
public sealed class CpuLimitTuningTests
{
    [Fact]
    public void OneCpu_TurnsThreadPoolSpinningOff()
    {
        Assert.Equal(0, CpuLimitTuning.SpinLimitFor(processorCount: 1, configured: false));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(16)]
    public void SeveralCpus_KeepTheRuntimeDefault(int processorCount)
    {
        Assert.Null(CpuLimitTuning.SpinLimitFor(processorCount, configured: false));
    }

    [Fact]
    public void OneCpu_KeepsWhatTheOperatorConfigured()
    {
        Assert.Null(CpuLimitTuning.SpinLimitFor(processorCount: 1, configured: true));
    }
}
