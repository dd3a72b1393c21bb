using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Errors;
using Switchboard.Gateway.Http;
using Switchboard.Storage;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Http;

public sealed class StorageUnavailableTests
{
    [Fact]
    public async Task DatabaseUnreachable_Is503WithRetryAfter_NotA500()
    {
        var builder = WebApplication.CreateSlimBuilder();
        string url = LoopbackPort.NextUrl();
        builder.WebHost.UseUrls(url);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<StorageUnavailableHandler>();
        await using var app = builder.Build();
        app.UseExceptionHandler();
        app.MapGet("/needs-the-database", IResult () => throw new StorageUnavailableException("Cannot reach the PostgreSQL database."));
        await app.StartAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient();

        using var response = await http.GetAsync(new Uri($"{url}/needs-the-database"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var error = body.RootElement.GetProperty("error");
        Assert.Equal((int)SwitchboardErrorCodes.StorageUnavailable, error.GetProperty("code").GetInt32());
        Assert.Contains("database is unavailable", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
