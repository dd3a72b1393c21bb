using Switchboard.Storage.Model;

namespace Switchboard.Storage.Tests.Infrastructure;

/// <summary>A small but complete data set touching every table and every column kind, nulls included.</summary>
public static class Seed
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static async Task FillAsync(TestDatabase db)
    {
        await db.Principals.UpsertRoleAsync(new Role("admin", "Everything", ["*"], true, T0));
        await db.Principals.UpsertRoleAsync(new Role("viewer", null, ["resources:read", "tools:call filesystem/read_*"], false, T0.AddTicks(1234567)));
        await db.Principals.CreateAsync(new Principal("p1", "alice", "user", "Alice Ä \"quoted\"", T0));
        await db.Principals.CreateAsync(new Principal("p2", "robot", "service", null, T0.AddMinutes(1), T0.AddDays(2)));
        await db.Principals.SetRolesAsync("p1", ["admin", "viewer"]);
        await db.Principals.SetRolesAsync("p2", ["viewer"]);
        await db.ApiKeys.CreateAsync(new ApiKeyRecord("k1", "p1", "laptop", "sb_live_aaaa", "hash-1", T0, null, null, T0.AddHours(3)));
        await db.ApiKeys.CreateAsync(new ApiKeyRecord("k2", "p2", "ci", "sb_live_bbbb", "hash-2", T0.AddSeconds(1), T0.AddDays(30), T0.AddDays(1)));
        for (var i = 0; i < 5; i++)
        {
            await db.Audit.AppendAsync(new AuditEventDraft(T0.AddSeconds(i), i % 2 == 0 ? "p1" : "p2", "tools/call", $"filesystem/read_{i}", i == 3 ? "denied" : "allowed", i == 0 ? null : $"{{\"durationMs\":{i}}}"));
        }

        await db.Servers.UpsertAsync(new RegisteredServer("filesystem", "stdio", "switchboard mcp filesystem --stdio", "{\"root\":\"/data\"}", true, "Files", T0, T0));
        await db.SigningKeys.CreateAsync(new SigningKey("sk1", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==", T0.AddMinutes(2)));
        await db.Servers.UpsertAsync(new RegisteredServer("remote", "http", "https://mcp.example.com/mcp", null, false, null, T0, T0.AddMinutes(5)));
    }

    /// <summary>Prunes the first two audit events, so the prune anchor holds a row and the chain starts at event 3.</summary>
    public static Task PruneAsync(TestDatabase db) => db.Audit.PruneAsync(T0.AddSeconds(2), 100, "seed");
}
