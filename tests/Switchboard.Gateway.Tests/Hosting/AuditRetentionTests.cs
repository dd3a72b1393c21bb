using Microsoft.Extensions.DependencyInjection;
using Switchboard.Host;
using Switchboard.Storage.Hosting;
using Switchboard.Storage.Maintenance;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Hosting;

/// <summary>
/// A gateway with <c>Audit:RetentionDays=30</c> over a database whose chain starts with events from long ago, put
/// there with the operator's services before the gateway starts.
/// </summary>
public sealed class RetentionGatewayServer : GatewayServer
{
    public const int OldEvents = 4;

    protected override string[] ExtraArguments => ["--Audit:RetentionDays=30"];

    public override async ValueTask InitializeAsync()
    {
        await using (var services = SwitchboardHost.BuildOperatorServices([$"--Storage:ConnectionString=Data Source={DatabasePath}"]))
        {
            var migrated = await services.GetRequiredService<StorageCommands>().MigrateAsync(TestContext.Current.CancellationToken);
            Assert.True(migrated.Succeeded, migrated.Message);
            var audit = services.GetRequiredService<IAuditStore>();
            for (var i = 0; i < OldEvents; i++)
            {
                await audit.AppendAsync(new AuditEventDraft(DateTimeOffset.UtcNow.AddDays(-90 + i), "old-actor", "tools/call", "utilities/hash", "ok", null), TestContext.Current.CancellationToken);
            }
        }

        await base.InitializeAsync();
    }
}

public sealed class AuditRetentionTests(RetentionGatewayServer gateway) : IClassFixture<RetentionGatewayServer>
{
    [Fact]
    public async Task Gateway_WithRetention_PrunesOldEventsInTheBackground_AndTheChainStillVerifies()
    {
        var audit = gateway.Services.GetRequiredService<IAuditStore>();
        await Poll.UntilAsync(async () => (await audit.VerifyAsync(TestContext.Current.CancellationToken)).Anchor is not null, TimeSpan.FromSeconds(30), "Nothing was pruned");

        var verification = await audit.VerifyAsync(TestContext.Current.CancellationToken);
        var prunes = await audit.QueryAsync(new AuditQuery(Action: "audit.prune"), TestContext.Current.CancellationToken);
        Assert.True(verification.Intact, verification.Message);
        Assert.Equal(RetentionGatewayServer.OldEvents, verification.Anchor?.Seq);
        Assert.Empty(await audit.QueryAsync(new AuditQuery(Actor: "old-actor"), TestContext.Current.CancellationToken));
        Assert.Equal(AuditRetentionService.Actor, Assert.Single(prunes).Actor);
    }
}
