namespace Switchboard.Storage.Maintenance;

/// <summary>What an operator command did: a message to print and the process exit code.</summary>
/// <param name="Succeeded">Whether it did what was asked.</param>
/// <param name="Message">One or more lines for the operator: what was done, or what is wrong and how to fix it.</param>
public sealed record StorageCommandResult(bool Succeeded, string Message)
{
    /// <summary>0 on success, 1 on failure (nothing was changed unless the message says otherwise).</summary>
    public int ExitCode => Succeeded ? 0 : 1;

    internal static StorageCommandResult Ok(string message) => new(true, message);

    internal static StorageCommandResult Fail(string message) => new(false, message);
}
