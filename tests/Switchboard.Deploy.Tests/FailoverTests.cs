namespace Switchboard.Deploy.Tests;

/// <summary>
/// Automatic failover (issue 13): one of three replicas behind HAProxy is killed with SIGKILL under load. Only calls
/// in flight on it may fail; every call sent after it died is served by the others; every call that was answered is
/// in the audit trail, whose chain still verifies.
/// </summary>
[Collection(OneAtATime.Name)]
public sealed class FailoverTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task KillNine_OneReplicaUnderLoad_OnlyCallsInFlightFail_LaterCallsAllSucceed_NoAnsweredCallMissingFromTheAudit()
    {
        string published = DeployEnvironment.Published;
        await using var fleet = await Fleet.StartAsync(published, Ct);
        await using var load = new LoadDriver(fleet.LoadBalancer.Endpoint, fleet.ApiKey);
        await load.WaitForCallsAsync(100, Timeout);

        var killing = load.Now;
        await fleet.KillAsync(1);
        var killed = load.Now;
        await load.WaitForCallsAsync(200, Timeout);
        await fleet.LoadBalancer.WaitForStateAsync("r2", "DOWN", Timeout, Ct);
        await load.WaitForCallsAsync(50, Timeout);
        var outcomes = await load.StopAsync();

        var failures = outcomes.Where(o => o.Failure is not null).ToList();
        var later = outcomes.Where(o => o.Started >= killed).ToList();
        var inFlight = outcomes.Where(o => o.Started < killed && o.Finished >= killing).ToList();
        DeployEnvironment.Report($"kill -9 of one of three replicas: {failures.Count} failed of {outcomes.Count} calls; {inFlight.Count} were in flight when it died; {later.Count(o => o.Failure is not null)} failed of {later.Count} sent after it died");

        Assert.True(later.All(o => o.Failure is null), $"Calls sent after the replica died failed: {string.Join(Environment.NewLine, later.Where(o => o.Failure is not null).Take(10))}{Environment.NewLine}{fleet.Output}");
        Assert.True(failures.All(o => o.Started < killed && o.Finished >= killing), $"A call that was not in flight when the replica died failed: {string.Join(Environment.NewLine, failures.Take(10))}");
        await fleet.RunOperatorAsync(published, ["audit", "verify"], Ct);
        var audited = await fleet.AuditedCallTextsAsync(Ct);
        var missing = outcomes.Where(o => o.Failure is null && !audited.Contains(ToolCall.TextFor(o.Id))).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} answered calls are not in the audit trail, e.g. {string.Join(", ", missing.Take(10))}");
    }
}
