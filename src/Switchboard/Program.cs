using Switchboard.Host.Commands;

return await SwitchboardCommands.Create().Parse(args).InvokeAsync();
