using Npgsql;
using Switchboard.Access.Identity;
using Switchboard.Gateway.Tests.Cli;
using Switchboard.Gateway.Tests.Infrastructure;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Access;

/// <summary>
/// Text a caller controls reaches the audit trail of the published gateway on PostgreSQL, whose <c>text</c> columns
/// refuse U+0000. A tool name with one in it made the audit insert fail, so the call "threw" instead of being
/// answered, and, since the audit's group commit writes many callers' events in one statement, every other caller
/// whose event shared that commit had its result withheld too.
/// </summary>
public sealed class AuditHostileTextTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ToolNameWithANulCharacter_IsAnsweredAndAudited_OnPostgreSql()
    {
        string workingDirectory = Directory.CreateTempSubdirectory("switchboard-audit-nul-").FullName;
        await using var database = await ScratchDatabase.CreateAsync("sb_auditnul");
        try
        {
            string connection = database.ConnectionString;
            string[] flags = [.. database.Flags, "--Storage:MigrateOnStart=true"];
            await using var gateway = await GatewayProcess.StartAsync(flags, workingDirectory, Timeout);
            var created = await ProcessRunner.RunAsync(
                GatewayProcess.Executable, ["keys", "create", "--name", "nul-agent", "--role", "agent", .. flags], Timeout, workingDirectory, cancellationToken: Ct);
            string key = created.StandardOutput.Trim();
            Assert.True(created.ExitCode == 0 && ApiKeyFormat.TryParse(key, out _, out _), created.Output);

            // No such tool: the SDK answers it as unknown, as it does for any other name the caller may call.
            var answer = await gateway.CallToolAsync(key, "a\0b", Ct);
            Assert.True(answer.TryGetProperty("error", out var error), answer.ToString());
            Assert.Contains("Unknown tool", error.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.True((await gateway.CallToolAsync(key, "utilities__uuid_v4", Ct)).TryGetProperty("result", out _));

            // Recorded, with the character PostgreSQL cannot hold replaced, and the chain still verifies.
            await using (var db = new NpgsqlDataSourceBuilder(connection).Build())
            {
                await using var query = db.CreateCommand("SELECT target FROM audit_events WHERE action = 'tools/call' ORDER BY seq");
                var targets = new List<string?>();
                await using (var reader = await query.ExecuteReaderAsync(Ct))
                {
                    while (await reader.ReadAsync(Ct))
                    {
                        targets.Add(reader.IsDBNull(0) ? null : reader.GetString(0));
                    }
                }

                Assert.Equal(["a\uFFFDb", "utilities/uuid_v4"], targets);
            }

            var verified = await ProcessRunner.RunAsync(GatewayProcess.Executable, ["audit", "verify", .. flags], Timeout, workingDirectory, cancellationToken: Ct);
            Assert.True(verified.ExitCode == 0, verified.Output);
            Assert.DoesNotContain("PostgresException", gateway.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(workingDirectory, recursive: true);
        }
    }
}
