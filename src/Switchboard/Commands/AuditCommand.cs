using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Options;
using Switchboard.Storage;
using Switchboard.Storage.Audit;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;

namespace Switchboard.Host.Commands;

/// <summary><c>switchboard audit verify|list|prune</c>: the hash-chained audit trail.</summary>
internal static class AuditCommand
{
    // As for keys: changes made from the command line are attributed to the operating-system account.
    private static string CliActor => $"cli:{Environment.UserName}";

    public static Command Create()
    {
        var verify = new Command("verify", "Walk the whole audit chain; exit 0 if every event links and hashes as stored, 1 naming the first that does not.");
        Configure(verify, async (services, _, ct) =>
        {
            var verification = await services.GetRequiredService<IAuditStore>().VerifyAsync(ct);
            await (verification.Intact ? Console.Out : Console.Error).WriteLineAsync(verification.Message);
            return verification.Intact ? 0 : 1;
        });

        var actor = new Option<string?>("--actor") { Description = "Only events by this principal." };
        var action = new Option<string?>("--action") { Description = "Only this action, e.g. tools/call or keys.revoke." };
        var target = new Option<string?>("--target") { Description = "Only events on this target, e.g. utilities/hash." };
        var outcome = new Option<string?>("--outcome") { Description = "Only this outcome, e.g. ok, denied, rate-limited." };
        var after = new Option<long?>("--after") { Description = "Only events after this sequence number (for paging)." };
        var limit = new Option<int>("--limit") { Description = "At most this many events.", DefaultValueFactory = _ => 100 };
        var list = new Command("list", "Print audit events, oldest first, one per line: seq, time, actor, action, target, outcome, details; control characters in stored text are shown escaped (\\n, \\t, \\u001B).") { actor, action, target, outcome, after, limit };
        Configure(list, async (services, result, ct) =>
        {
            var query = new AuditQuery(
                Actor: result.GetValue(actor), Action: result.GetValue(action), AfterSeq: result.GetValue(after), Limit: result.GetValue(limit),
                Target: result.GetValue(target), Outcome: result.GetValue(outcome));
            foreach (var e in await services.GetRequiredService<IAuditStore>().QueryAsync(query, ct))
            {
                // Stored as the caller sent it; a tool name with a newline and tabs must not print as a forged event.
                Console.WriteLine(string.Join(
                    '\t',
                    e.Seq.ToString(CultureInfo.InvariantCulture),
                    e.OccurredAt.ToString("o", CultureInfo.InvariantCulture),
                    Shown.Text(e.Actor),
                    Shown.Text(e.Action),
                    Shown.Text(e.Target),
                    Shown.Text(e.Outcome),
                    Shown.Text(e.Details)));
            }

            return 0;
        });

        var olderThan = new Option<TimeSpan?>("--older-than") { Description = "Prune events older than this, e.g. 90.00:00:00 for 90 days; Audit:RetentionDays when left out." };
        var prune = new Command("prune", "Delete the oldest audit events behind a verifiable anchor, print what was pruned; exit 0, or 1 on error (a chain that does not verify is never pruned).") { olderThan };
        Configure(prune, async (services, result, ct) =>
        {
            var settings = services.GetRequiredService<IOptions<AuditOptions>>().Value;
            var age = result.GetValue(olderThan) ?? (settings.RetentionDays > 0 ? TimeSpan.FromDays(settings.RetentionDays) : null);
            if (age is not { } keep || keep < TimeSpan.Zero)
            {
                await Console.Error.WriteLineAsync(age is null
                    ? "Nothing says how old events must be to go: pass --older-than (e.g. 90.00:00:00), or set Audit:RetentionDays."
                    : "--older-than must not be negative.");
                return 1;
            }

            return await PruneAsync(services.GetRequiredService<IAuditStore>(), services.GetRequiredService<TimeProvider>().GetUtcNow() - keep, settings.PruneBatchSize, ct);
        });

        return new Command("audit", "Read, verify and prune the audit trail.") { verify, list, prune };
    }

    // Batch after batch, each its own short transaction, so a gateway running beside keeps appending.
    private static async Task<int> PruneAsync(IAuditStore store, DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken)
    {
        long pruned = 0;
        AuditPruneResult batch;
        try
        {
            do
            {
                batch = await store.PruneAsync(cutoff, batchSize, CliActor, cancellationToken);
                pruned += batch.Pruned;
            }
            while (batch.More);
        }
        catch (StorageException e)
        {
            await Console.Error.WriteLineAsync(pruned > 0 ? $"Pruned {Events(pruned)}, then stopped: {e.Message}" : e.Message);
            return 1;
        }

        var at = cutoff.ToString("u", CultureInfo.InvariantCulture);
        Console.WriteLine(pruned == 0
            ? $"Nothing to prune: no event at the start of the chain is older than {at}."
            : $"Pruned {Events(pruned)} older than {at}, through event {batch.Anchor!.Seq} ({batch.Anchor.OccurredAt.ToString("u", CultureInfo.InvariantCulture)}); the chain now starts at event {batch.Anchor.Seq + 1}, {batch.Anchor.PrunedCount} pruned in all.");
        return 0;
    }

    private static string Events(long count) => count == 1 ? "1 event" : $"{count} events";

    private static void Configure(Command command, Func<IServiceProvider, ParseResult, CancellationToken, Task<int>> run)
    {
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((result, cancellationToken) => OperatorCommand.RunAsync(
            [.. result.UnmatchedTokens],
            services => run(services, result, cancellationToken),
            migrateFirst: false));
    }
}
