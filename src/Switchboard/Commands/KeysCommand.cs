using System.CommandLine;
using System.Globalization;
using Switchboard.Access.Identity;

namespace Switchboard.Host.Commands;

/// <summary><c>switchboard keys create|list|revoke|rotate</c>: API keys, straight against the database.</summary>
internal static class KeysCommand
{
    // The audit trail attributes changes made from the command line to the operating-system account that made them.
    private static string CliActor => $"cli:{Environment.UserName}";

    public static Command Create()
    {
        var name = new Option<string>("--name") { Description = "Who or what the key is for; also the principal's name.", Required = true };
        var roles = new Option<string[]>("--role") { Description = "A role the key grants (admin, operator, agent, viewer, or a custom one); repeat for several.", Required = true };
        var expires = new Option<TimeSpan?>("--expires") { Description = "How long the key lives, e.g. 30.00:00:00 for 30 days; forever when left out." };
        var create = new Command("create", "Create a key and print it once; only its hash is stored.") { name, roles, expires };
        Configure(
            create,
            async (keys, result, ct) =>
            {
                var created = await keys.CreateAsync(result.GetRequiredValue(name), result.GetRequiredValue(roles), result.GetValue(expires), actor: CliActor, cancellationToken: ct);
                Console.WriteLine(created.Key);
                await Console.Error.WriteLineAsync($"Created key {created.Info.Prefix} for '{Shown.Text(created.Info.Principal)}' with roles {Shown.Text(string.Join(", ", created.Info.Roles))}. It is shown only this once.");
                return 0;
            },
            result => LifetimeProblem(result.GetValue(expires)));

        var list = new Command("list", "List keys under a header row, one per line: id, prefix, principal, roles, created, expires, revoked, last used. Never the secrets.");
        Configure(list, async (keys, _, ct) =>
        {
            Console.WriteLine(string.Join('\t', "ID", "PREFIX", "PRINCIPAL", "ROLES", "CREATED", "EXPIRES", "REVOKED", "LAST USED"));
            foreach (var key in await keys.ListAsync(ct))
            {
                // Names and roles may have been stored through the admin API: shown escaped, they cannot forge a row.
                Console.WriteLine(string.Join('\t', key.Id, key.Prefix, Shown.Text(key.Principal), Shown.Text(string.Join(',', key.Roles)), Stamp(key.CreatedAt), Stamp(key.ExpiresAt), Stamp(key.RevokedAt), Stamp(key.LastUsedAt)));
            }

            return 0;
        });

        var target = new Argument<string>("key") { Description = "The key's id or prefix (sbk_…), as 'keys list' shows." };
        var revoke = new Command("revoke", "Revoke a key at once, on every replica.") { target };
        Configure(revoke, async (keys, result, ct) =>
        {
            var revoked = await keys.RevokeAsync(result.GetRequiredValue(target), ct, CliActor);
            return Report(revoked is not null, $"Revoked {revoked?.Prefix} ('{Shown.Text(revoked?.Principal)}').", result.GetRequiredValue(target));
        });

        var rotate = new Command("rotate", "Issue a new key for the same principal and roles, print it once, and revoke the old one.") { target };
        Configure(rotate, async (keys, result, ct) =>
        {
            var rotated = await keys.RotateAsync(result.GetRequiredValue(target), ct, CliActor);
            if (rotated is not null)
            {
                Console.WriteLine(rotated.Key);
            }

            return Report(rotated is not null, $"Rotated: the new key {rotated?.Info.Prefix} replaces the old one, now revoked.", result.GetRequiredValue(target));
        });

        return new Command("keys", "Manage API keys.") { create, list, revoke, rotate };
    }

    // A key that has expired before it is printed, or would expire past the calendar's end, is never what was meant.
    private static string? LifetimeProblem(TimeSpan? lifetime) =>
        lifetime is { } given && (given <= TimeSpan.Zero || given > DateTimeOffset.MaxValue - DateTimeOffset.UtcNow)
            ? string.Create(CultureInfo.InvariantCulture, $"--expires {given} is not a lifetime a key can have: give a positive duration that ends before the year 10000, e.g. 30.00:00:00 for 30 days, or leave it out for a key that does not expire.")
            : null;

    private static int Report(bool found, string message, string target)
    {
        Console.Error.WriteLine(found ? message : $"No key with id or prefix '{Shown.Text(target)}'.");
        return found ? 0 : 1;
    }

    private static string Stamp(DateTimeOffset? at) => at?.ToString("u", CultureInfo.InvariantCulture) ?? "-";

    // invalid says what is wrong with the options, if anything, before the database is opened: a usage error, exit 2.
    private static void Configure(Command command, Func<ApiKeyService, ParseResult, CancellationToken, Task<int>> run, Func<ParseResult, string?>? invalid = null)
    {
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, cancellationToken) =>
        {
            if (invalid?.Invoke(result) is { } problem)
            {
                await Console.Error.WriteLineAsync($"switchboard: {problem}");
                return 2;
            }

            return await OperatorCommand.RunAsync(
                [.. result.UnmatchedTokens],
                services => run(services.GetRequiredService<ApiKeyService>(), result, cancellationToken));
        });
    }
}
