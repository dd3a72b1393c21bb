using Switchboard.Access.Identity;
using Switchboard.Gateway.Tests.Cli;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// What the stored-server tests share: two gateway replicas on one PostgreSQL database (a <see cref="RegistryFixture"/>)
/// and <c>switchboard mcp everything</c> over HTTP, registered with <c>switchboard servers add</c> as <c>wiki</c>.
/// </summary>
internal sealed class WikiOnTwoReplicas : IAsyncDisposable
{
    private WikiOnTwoReplicas(RegistryFixture fixture, GatewayProcess first, GatewayProcess second, string upstreamKey) =>
        (Fixture, First, Second, UpstreamKey) = (fixture, first, second, upstreamKey);

    public RegistryFixture Fixture { get; }

    public GatewayProcess First { get; }

    public GatewayProcess Second { get; }

    /// <summary>The key the upstream wants, stored with the registration as its <c>Authorization</c> header.</summary>
    public string UpstreamKey { get; }

    public static async Task<WikiOnTwoReplicas> StartAsync()
    {
        var fixture = await RegistryFixture.CreateAsync(postgres: true);
        try
        {
            string upstreamKey = ApiKeyFormat.Generate().Key;
            string upstreamUrl = await fixture.StartEverythingAsync(upstreamKey);
            var first = await fixture.StartGatewayAsync();
            var second = await fixture.StartGatewayAsync();
            var added = await fixture.CliAsync("servers", "add", "wiki", "--url", upstreamUrl, "--header", $"Authorization=Bearer {upstreamKey}");
            Assert.True(added.ExitCode == 0, added.Output);
            return new WikiOnTwoReplicas(fixture, first, second, upstreamKey);
        }
        catch
        {
            await fixture.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => Fixture.DisposeAsync();
}
