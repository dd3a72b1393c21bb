namespace Switchboard.Deploy.Tests;

/// <summary>
/// Zero-downtime operation (issue 13): three replicas of the published build behind HAProxy, under a steady load of
/// sessionless tool calls, restarted one at a time; then upgraded to the next release, whose additive migration runs
/// while the old replicas serve; then one replica rolled back. Not one call may fail.
/// </summary>
[Collection(OneAtATime.Name)]
public sealed class RollingRestartTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RollingRestart_ThenUpgradeWithAMigration_ThenRollback_NoCallFails_AndTheAuditTrailHasEveryAnsweredCall()
    {
        string current = DeployEnvironment.Published;
        string next = DeployEnvironment.NextRelease;
        await using var fleet = await Fleet.StartAsync(current, Ct);
        await using var load = new LoadDriver(fleet.LoadBalancer.Endpoint, fleet.ApiKey);
        await load.WaitForCallsAsync(50, Timeout);

        // 1. Rolling restart: SIGTERM, wait for the exit, start, wait until HAProxy has it back; one replica at a time.
        var restart = load.Now;
        for (int i = 0; i < 3; i++)
        {
            await fleet.RestartAsync(i, current, Ct);
            await load.WaitForCallsAsync(20, Timeout);
        }

        // 2. Upgrade: the next release migrates the schema while the old replicas serve, then replaces them one by one.
        var upgrade = load.Now;
        string migrated = await fleet.RunOperatorAsync(next, ["migrate"], Ct);
        await load.WaitForCallsAsync(50, Timeout);
        for (int i = 0; i < 3; i++)
        {
            await fleet.RestartAsync(i, next, Ct);
            await load.WaitForCallsAsync(20, Timeout);
        }

        // 3. Rollback of one replica: the old build starts on, and serves, the newer schema.
        var rollback = load.Now;
        await fleet.RestartAsync(0, current, Ct);
        await load.WaitForCallsAsync(50, Timeout);
        var outcomes = await load.StopAsync();

        var failures = outcomes.Where(o => o.Failure is not null).ToList();
        int Count(TimeSpan from, TimeSpan to) => outcomes.Count(o => o.Started >= from && o.Started < to);
        int Failed(TimeSpan from, TimeSpan to) => failures.Count(o => o.Started >= from && o.Started < to);
        DeployEnvironment.Report($"rolling restart: {Failed(restart, upgrade)} failed of {Count(restart, upgrade)} calls");
        DeployEnvironment.Report($"upgrade with migration: {Failed(upgrade, rollback)} failed of {Count(upgrade, rollback)} calls");
        DeployEnvironment.Report($"rollback of one replica: {Failed(rollback, TimeSpan.MaxValue)} failed of {Count(rollback, TimeSpan.MaxValue)} calls");
        DeployEnvironment.Report($"whole run: {failures.Count} failed of {outcomes.Count} calls");

        Assert.Contains("applied", migrated, StringComparison.Ordinal);
        Assert.True(failures.Count == 0, $"{failures.Count} of {outcomes.Count} calls failed, first: {string.Join(Environment.NewLine, failures.Take(10))}{Environment.NewLine}{fleet.Output}");
        await fleet.RunOperatorAsync(next, ["audit", "verify"], Ct);
        var audited = await fleet.AuditedCallTextsAsync(Ct);
        var missing = outcomes.Where(o => o.Failure is null && !audited.Contains(ToolCall.TextFor(o.Id))).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} answered calls are not in the audit trail, e.g. {string.Join(", ", missing.Take(10))}");
    }
}
