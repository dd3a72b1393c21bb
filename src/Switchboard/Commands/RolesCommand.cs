using System.CommandLine;
using Switchboard.Access.Authorization;

namespace Switchboard.Host.Commands;

/// <summary><c>switchboard roles list|set|delete</c>: custom roles, straight against the database, as <c>/api/v1/roles</c>.</summary>
internal static class RolesCommand
{
    private static string CliActor => $"cli:{Environment.UserName}";

    public static Command Create()
    {
        var list = new Command("list", "List every role under a header row, one per line: name, where it is defined (BuiltIn, Configuration, Stored), permissions.");
        Configure(list, async (roles, _, ct) =>
        {
            Console.WriteLine(string.Join('\t', "NAME", "SOURCE", "PERMISSIONS"));
            foreach (var role in await roles.ListAsync(ct))
            {
                Console.WriteLine(string.Join('\t', Shown.Text(role.Name), role.Source, Shown.Text(string.Join(", ", role.Permissions))));
            }

            return 0;
        });

        var name = new Argument<string>("name") { Description = "The role's name: 1 to 64 of a-z, 0-9, '-', '_'." };
        var permissions = new Option<string[]>("--permission") { Description = "A permission the role grants, e.g. \"tools:call utilities/*\"; repeat for several.", Required = true };
        var description = new Option<string?>("--description") { Description = "What the role is for." };
        var set = new Command("set", "Create or replace a custom role; running gateways apply it within about a second.") { name, permissions, description };
        Configure(set, async (roles, result, ct) =>
        {
            var role = await roles.PutAsync(result.GetRequiredValue(name), result.GetRequiredValue(permissions), result.GetValue(description), CliActor, ct);
            await Console.Error.WriteLineAsync($"Role '{Shown.Text(role.Name)}' grants {Shown.Text(string.Join(", ", role.Permissions))}.");
            return 0;
        });

        var delete = new Command("delete", "Delete a custom role that no live key holds.") { name };
        Configure(delete, async (roles, result, ct) =>
        {
            bool deleted = await roles.DeleteAsync(result.GetRequiredValue(name), CliActor, ct);
            string shown = Shown.Text(result.GetRequiredValue(name));
            await Console.Error.WriteLineAsync(deleted ? $"Deleted the role '{shown}'." : $"There is no stored role '{shown}'.");
            return deleted ? 0 : 1;
        });

        return new Command("roles", "Manage custom roles.") { list, set, delete };
    }

    private static void Configure(Command command, Func<RoleService, ParseResult, CancellationToken, Task<int>> run)
    {
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((result, cancellationToken) => OperatorCommand.RunAsync(
            [.. result.UnmatchedTokens],
            services => run(services.GetRequiredService<RoleService>(), result, cancellationToken)));
    }
}
