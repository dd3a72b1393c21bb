using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Switchboard.Errors;
using Switchboard.Policy;
using Switchboard.Storage;
using Switchboard.Storage.Maintenance;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;

namespace Switchboard.Access.Tests;

/// <summary>The one access path without HTTP: what <see cref="AccessGuard"/> decides, records and logs.</summary>
public sealed class AccessGuardTests : IAsyncLifetime
{
    private static readonly AccessPrincipal Agent = new("key:agent", new RoleSet([BuiltInRoles.Agent]));
    private static readonly AccessPrincipal Viewer = new("key:viewer", new RoleSet([BuiltInRoles.Viewer]));
    private static readonly AccessPrincipal Reader = new("key:reader", new RoleSet(["reader"]));

    private readonly string _directory = Directory.CreateTempSubdirectory("sb-access-guard-").FullName;
    private readonly CapturingLogger<AccessGuard> _log = new();
    private ServiceProvider _services = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private AccessGuard Guard => _services.GetRequiredService<AccessGuard>();

    public async ValueTask InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = $"Data Source={Path.Combine(_directory, "access.db")}",
            ["Audit:CaptureArguments"] = "true",
            ["Policy:Roles:reader:0"] = "tools:call utilities/*",
            ["RateLimits:Roles:reader:PerPrincipalTool:Permits"] = "1",
            ["RateLimits:Roles:reader:PerPrincipalTool:Burst"] = "1",
            ["RateLimits:Roles:reader:PerPrincipalTool:Period"] = "01:00:00",
        }).Build();
        var services = new ServiceCollection().AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddSwitchboardStorage(configuration).AddSwitchboardAudit(configuration).AddSwitchboardAccess(configuration);
        services.AddSingleton<ILogger<AccessGuard>>(_log);
        _services = services.BuildServiceProvider();
        var migrated = await _services.GetRequiredService<StorageCommands>().MigrateAsync(Ct);
        Assert.True(migrated.Succeeded, migrated.Message);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task ToolCall_Granted_IsRecordedOnlyWhenItCompletes_WithItsOutcome()
    {
        var grant = await Guard.AuthorizeToolCallAsync(Agent, "utilities/hash", Arguments("""{"text":"hi"}"""), Ct);
        var beforeCompletion = await EventsAsync("utilities/hash");
        var recorded = await Guard.CompleteToolCallAsync(grant, ToolCallOutcome.ToolError, Ct);

        Assert.Equal(AccessOutcome.Allowed, grant.Outcome);
        Assert.Null(grant.ErrorCode);
        Assert.Empty(beforeCompletion);
        Assert.True(recorded.Allowed);
        var call = Assert.Single(await EventsAsync("utilities/hash"));
        Assert.Equal(("key:agent", "tools/call", "tool-error"), (call.Actor, call.Action, call.Outcome));
        Assert.Equal("hi", (string?)JsonNode.Parse(call.Details!)!["arguments"]!["text"]);
    }

    [Fact]
    public async Task ToolCall_NotGranted_IsDeniedAndAudited_WithTheReason()
    {
        var decision = await Guard.AuthorizeToolCallAsync(Viewer, "utilities/hash", null, Ct);

        Assert.Equal(AccessOutcome.Denied, decision.Outcome);
        Assert.Equal(SwitchboardErrorCodes.PermissionDenied, decision.ErrorCode);
        Assert.Contains("no role of [viewer] grants 'tools:call utilities/hash'", decision.Reason, StringComparison.Ordinal);
        var denied = Assert.Single(await EventsAsync("utilities/hash"));
        Assert.Equal(("key:viewer", "denied"), (denied.Actor, denied.Outcome));
    }

    // A name that resolves to no server is decided as given: permissions scoped to servers cannot match it, so the
    // refusal says nothing about whether such a tool exists; an unscoped permission lets the call reach the server,
    // which answers that there is no such tool.
    [Fact]
    public async Task ToolCall_NameOfNoServer_IsDecidedAsGiven_AndAudited()
    {
        var scoped = await Guard.AuthorizeToolCallAsync(Reader, "no_separator_here", null, Ct);
        var unscoped = await Guard.AuthorizeToolCallAsync(Agent, "no_separator_here", null, Ct);
        await Guard.CompleteToolCallAsync(unscoped, ToolCallOutcome.UnknownTool, Ct);

        Assert.Equal(AccessOutcome.Denied, scoped.Outcome);
        Assert.True(unscoped.Allowed);
        Assert.Equal(["denied", "unknown-tool"], (await EventsAsync("no_separator_here")).Select(e => e.Outcome));
    }

    [Fact]
    public async Task ToolCall_OverItsLimit_IsRateLimited_WithWhenToRetry_AndAudited()
    {
        var first = await Guard.AuthorizeToolCallAsync(Reader, "utilities/uuid_v4", null, Ct);
        await Guard.CompleteToolCallAsync(first, ToolCallOutcome.Ok, Ct);
        var second = await Guard.AuthorizeToolCallAsync(Reader, "utilities/uuid_v4", null, Ct);

        Assert.Equal(AccessOutcome.RateLimited, second.Outcome);
        Assert.Equal(SwitchboardErrorCodes.RateLimited, second.ErrorCode);
        Assert.Equal("principal-tool", second.Limit);
        Assert.True(second.RetryAfterSeconds >= 1);
        Assert.Equal(["ok", "rate-limited"], (await EventsAsync("utilities/uuid_v4")).Select(e => e.Outcome));
    }

    [Fact]
    public async Task Read_DecidesThePolicyOnly_AndRecordsOnlyARefusal()
    {
        var allowed = await Guard.AuthorizeAsync(Viewer, "prompts/get", Actions.GetPrompt, "everything/simple", Ct);
        var refused = await Guard.AuthorizeAsync(Reader, "prompts/get", Actions.GetPrompt, "everything/simple", Ct);

        Assert.True(allowed.Allowed);
        Assert.Equal(AccessOutcome.Denied, refused.Outcome);
        var denied = Assert.Single(await EventsAsync("everything/simple"));
        Assert.Equal(("key:reader", "prompts/get", "denied"), (denied.Actor, denied.Action, denied.Outcome));
    }

    [Fact]
    public async Task AdminRequest_NeedsItsPermission_NoneWhenTheEndpointNeedsNone()
    {
        var keys = await Guard.AuthorizeRequestAsync(Agent, "GET /api/v1/keys", Actions.ManageKeys, Ct);
        var admin = await Guard.AuthorizeRequestAsync(new AccessPrincipal("key:admin", new RoleSet([BuiltInRoles.Admin])), "GET /api/v1/keys", Actions.ManageKeys, Ct);
        var tokens = await Guard.AuthorizeRequestAsync(Agent, "POST /api/v1/tokens", null, Ct);

        Assert.Equal(AccessOutcome.Denied, keys.Outcome);
        Assert.True(admin.Allowed);
        Assert.True(tokens.Allowed);
        Assert.Equal("no permission needed", tokens.Reason);
    }

    [Fact]
    public void Allows_IsThePolicyAlone_AndRecordsNothing()
    {
        Assert.True(Guard.Allows(Reader, Actions.CallTool, "utilities/hash"));
        Assert.False(Guard.Allows(Reader, Actions.CallTool, "financial/pmt"));
        Assert.DoesNotContain(_log.Entries, e => e.Level >= LogLevel.Information);
    }

    // Refusals are expected answers: one Warning line each, never an Error, never an exception, and never the
    // client's control characters raw.
    [Fact]
    public async Task Refusals_LogOneWarningLineEach_WithTheNameEscaped()
    {
        const string forged = "evil\n2026-01-01 info: admin keys.revoke sbk_x ok";
        for (int i = 0; i < 5; i++)
        {
            await Guard.AuthorizeToolCallAsync(Viewer, forged, null, Ct);
        }

        var logged = _log.Entries.Where(e => e.Level >= LogLevel.Information).ToList();
        Assert.Equal(5, logged.Count);
        Assert.All(logged, e =>
        {
            Assert.Equal(LogLevel.Warning, e.Level);
            Assert.Equal(2011, e.Id.Id);
            Assert.Null(e.Exception);
            Assert.DoesNotContain('\n', e.Message);
            Assert.Contains(@"evil\n2026", e.Message, StringComparison.Ordinal);
        });
        // Stored faithfully: only what is shown is escaped.
        Assert.Equal(5, (await EventsAsync(forged)).Count);
    }

    [Fact]
    public async Task DatabaseDown_RefusesTheCall_BeforeTheToolRuns_AndWithholdsAResultItCannotRecord()
    {
        var down = new SwitchableAuditStore(_services.GetRequiredService<IAuditStore>());
        var guard = ActivatorUtilities.CreateInstance<AccessGuard>(_services, down);
        var inFlight = await guard.AuthorizeToolCallAsync(Agent, "utilities/hash", null, Ct);

        down.Unavailable = true;
        var refused = await guard.AuthorizeToolCallAsync(Agent, "utilities/hash", null, Ct);
        var denied = await guard.AuthorizeToolCallAsync(Viewer, "utilities/hash", null, Ct);
        var withheld = await guard.CompleteToolCallAsync(inFlight, ToolCallOutcome.Ok, Ct);

        Assert.Equal(AccessOutcome.StorageUnavailable, refused.Outcome);
        Assert.Equal(AccessOutcome.StorageUnavailable, denied.Outcome);
        Assert.Equal(AccessOutcome.StorageUnavailable, withheld.Outcome);
        Assert.Equal(SwitchboardErrorCodes.StorageUnavailable, withheld.ErrorCode);
        Assert.Equal(SwitchboardErrorCodes.StorageRetryAfterSeconds, withheld.RetryAfterSeconds);
        Assert.All(_log.Entries, e => Assert.True(e.Level < LogLevel.Error && e.Exception is null));
    }

    private static Dictionary<string, JsonElement> Arguments(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    private Task<IReadOnlyList<AuditEvent>> EventsAsync(string target) =>
        _services.GetRequiredService<IAuditStore>().QueryAsync(new AuditQuery(Target: target, Limit: 100), Ct);

    /// <summary>The real audit store, until it is told the database went away.</summary>
    private sealed class SwitchableAuditStore(IAuditStore inner) : IAuditStore
    {
        public bool Unavailable { get; set; }

        public Task<AuditEvent> AppendAsync(AuditEventDraft draft, CancellationToken cancellationToken = default) =>
            Unavailable ? throw new StorageUnavailableException("test: the database is down") : inner.AppendAsync(draft, cancellationToken);

        public ValueTask EnsureWritableAsync(CancellationToken cancellationToken = default) =>
            Unavailable ? throw new StorageUnavailableException("test: the database is down") : inner.EnsureWritableAsync(cancellationToken);

        public Task<IReadOnlyList<AuditEvent>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(query, cancellationToken);

        public Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default) => inner.VerifyAsync(cancellationToken);

        public Task<AuditPruneResult> PruneAsync(DateTimeOffset olderThan, int maxEvents, string actor, CancellationToken cancellationToken = default) =>
            inner.PruneAsync(olderThan, maxEvents, actor, cancellationToken);
    }
}
