using Switchboard.Host;
using Switchboard.Host.Commands;
using Switchboard.Servers.Utilities;
using Switchboard.Upstreams.Stdio;

// Before anything else: the parent-death guard of stdio upstreams runs as this executable, and must start fast.
if (StdioGuard.RunIfRequested(args) is { } guardExitCode)
{
    return guardExitCode;
}

RegexDefaults.Apply(); // before any Regex exists: .NET fixes the default match timeout when the first one is built
CpuLimitTuning.Apply(); // before the thread pool starts
return await SwitchboardCommands.Create().Parse(args).InvokeAsync();
