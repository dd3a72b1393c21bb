using System.CommandLine;
using Switchboard.Storage.Migrations;

namespace Switchboard.Host.Commands;

/// <summary><c>switchboard version</c>: the release, and the database schema versions it serves (docs/storage.md).</summary>
internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the version and the database schema versions it can serve.");
        command.SetAction(_ => Console.WriteLine(
            $"switchboard {ProductInfo.Version} (database schema {MigrationCatalog.LatestVersion}; also serves {MigrationCatalog.LatestVersion + MigrationCatalog.ForwardCompatibleVersions}, the next release's)"));
        return command;
    }
}
