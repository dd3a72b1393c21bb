using System.CommandLine;

namespace Switchboard.Host.Commands;

/// <summary><c>switchboard version</c>.</summary>
internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the version.");
        command.SetAction(_ => Console.WriteLine($"switchboard {ProductInfo.Version}"));
        return command;
    }
}
