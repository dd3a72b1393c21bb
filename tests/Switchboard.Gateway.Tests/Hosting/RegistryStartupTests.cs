using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using ModelContextProtocol.Server;
using Switchboard.Gateway.Hosting;
using Switchboard.Registry;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Hosting;

public sealed class RegistryStartupTests
{
    [Fact]
    public async Task Start_TwoServersExposingTheSameResource_RefusesToStartAndNamesBoth()
    {
        await using var app = BuildGateway(ServerWithResource("alpha"), ServerWithResource("beta"));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("test://shared", error.Message, StringComparison.Ordinal);
        Assert.Contains("'alpha'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'beta'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ToolNameThatNoClientAccepts_RefusesToStart()
    {
        var server = new McpServerCatalog("alpha");
        server.Tools.Add(McpServerTool.Create(() => "x", new McpServerToolCreateOptions { Name = "files.read" }));
        await using var app = BuildGateway(new ServerRegistration("alpha", _ => server));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("files.read", error.Message, StringComparison.Ordinal);
    }

    private static WebApplication BuildGateway(params ServerRegistration[] servers)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls(LoopbackPort.NextUrl());
        builder.Configuration.Sources.Clear(); // only these servers: not the host's appsettings beside the test
        builder.Configuration.AddInMemoryCollection(servers.Select(s => KeyValuePair.Create($"Servers:{s.Name}:Enabled", (string?)"true")));
        builder.Configuration.AddInMemoryCollection([
            new("Storage:ConnectionString", $"Data Source={Path.Combine(Path.GetTempPath(), $"switchboard-registry-{Guid.NewGuid():N}.db")}"),
            new("Storage:MigrateOnStart", "true"),
        ]);
        builder.Services.AddSwitchboardGateway(builder.Configuration, servers);
        var app = builder.Build();
        app.MapSwitchboardGateway();
        return app;
    }

    private static ServerRegistration ServerWithResource(string name) => new(name, _ =>
    {
        var catalog = new McpServerCatalog(name);
        catalog.Resources.Add(McpServerResource.Create(() => "shared", new McpServerResourceCreateOptions { UriTemplate = "test://shared", Name = "shared" }));
        return catalog;
    });
}
