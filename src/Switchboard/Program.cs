using Switchboard.Host;
using Switchboard.Host.Commands;
using Switchboard.Upstreams.Stdio;

// Before anything else: the parent-death guard of stdio upstreams runs as this executable, and must start fast.
if (StdioGuard.RunIfRequested(args) is { } guardExitCode)
{
    return guardExitCode;
}

CpuLimitTuning.Apply(); // before the thread pool starts
return await SwitchboardCommands.Create().Parse(args).InvokeAsync();
