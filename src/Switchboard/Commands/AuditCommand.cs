using System.CommandLine;
using System.Globalization;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;

namespace Switchboard.Host.Commands;

/// <summary><c>switchboard audit verify|list</c>: the hash-chained audit trail.</summary>
internal static class AuditCommand
{
    public static Command Create()
    {
        var verify = new Command("verify", "Walk the whole audit chain; exit 0 if every event links and hashes as stored, 1 naming the first that does not.");
        Configure(verify, async (store, _, ct) =>
        {
            var verification = await store.VerifyAsync(ct);
            await (verification.Intact ? Console.Out : Console.Error).WriteLineAsync(verification.Message);
            return verification.Intact ? 0 : 1;
        });

        var actor = new Option<string?>("--actor") { Description = "Only events by this principal." };
        var action = new Option<string?>("--action") { Description = "Only this action, e.g. tools/call or keys.revoke." };
        var after = new Option<long?>("--after") { Description = "Only events after this sequence number (for paging)." };
        var limit = new Option<int>("--limit") { Description = "At most this many events.", DefaultValueFactory = _ => 100 };
        var list = new Command("list", "Print audit events, oldest first, one per line: seq, time, actor, action, target, outcome, details.") { actor, action, after, limit };
        Configure(list, async (store, result, ct) =>
        {
            var query = new AuditQuery(Actor: result.GetValue(actor), Action: result.GetValue(action), AfterSeq: result.GetValue(after), Limit: result.GetValue(limit));
            foreach (var e in await store.QueryAsync(query, ct))
            {
                Console.WriteLine(string.Join('\t', e.Seq.ToString(CultureInfo.InvariantCulture), e.OccurredAt.ToString("o", CultureInfo.InvariantCulture), e.Actor, e.Action, e.Target ?? "-", e.Outcome, e.Details ?? "-"));
            }

            return 0;
        });

        return new Command("audit", "Read and verify the audit trail.") { verify, list };
    }

    private static void Configure(Command command, Func<IAuditStore, ParseResult, CancellationToken, Task<int>> run)
    {
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((result, cancellationToken) => OperatorCommand.RunAsync(
            [.. result.UnmatchedTokens],
            services => run(services.GetRequiredService<IAuditStore>(), result, cancellationToken),
            migrateFirst: false));
    }
}
