using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using Switchboard.Access.Identity;
using Switchboard.Errors;
using Switchboard.Gateway.Identity;
using Switchboard.Storage.Caching;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;

namespace Switchboard.Gateway.Tests.Identity;

/// <summary>API keys through the real gateway: roles apply, and revoked, expired, unknown and malformed keys are refused.</summary>
public sealed class ApiKeyTests(GatewayServer gateway) : IClassFixture<GatewayServer>
{
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"probe","version":"1"}}}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ApiKeyService Keys => gateway.Services.GetRequiredService<ApiKeyService>();

    [Fact]
    public async Task AgentKey_CallsTools_ButCannotManageAnything()
    {
        var key = await Keys.CreateAsync($"agent-{Guid.NewGuid():N}", ["agent"], cancellationToken: Ct);
        await using var client = await gateway.ConnectAsync("/mcp", "2025-11-25", bearerToken: key.Key);

        var result = await client.CallToolAsync("utilities__uuid_v4", cancellationToken: Ct);

        Assert.NotEqual(true, result.IsError);
        var audited = await gateway.Services.GetRequiredService<IAuditStore>().QueryAsync(new AuditQuery(Actor: key.Info.Principal, Action: "tools/call"), Ct);
        var call = Assert.Single(audited);
        Assert.Equal(("utilities/uuid_v4", "ok"), (call.Target, call.Outcome));
        Assert.Contains("allowed by role", call.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ViewerKey_SeesNoTools_AndIsRefusedACall()
    {
        var key = await Keys.CreateAsync($"viewer-{Guid.NewGuid():N}", ["viewer"], cancellationToken: Ct);
        await using var client = await gateway.ConnectAsync("/mcp", "2025-11-25", bearerToken: key.Key);

        var tools = await client.ListToolsAsync(cancellationToken: Ct);
        var error = await Assert.ThrowsAsync<McpProtocolException>(async () => await client.CallToolAsync("utilities__uuid_v4", cancellationToken: Ct));

        Assert.Empty(tools);
        Assert.Equal(SwitchboardErrorCodes.PermissionDenied, error.ErrorCode);
        var audited = await gateway.Services.GetRequiredService<IAuditStore>().QueryAsync(new AuditQuery(Actor: key.Info.Principal, Action: "tools/call"), Ct);
        var denied = Assert.Single(audited);
        Assert.Equal(("utilities/uuid_v4", "denied"), (denied.Target, denied.Outcome));
    }

    [Fact]
    public async Task RevokedKey_IsRefusedAtOnce()
    {
        var key = await Keys.CreateAsync($"revoked-{Guid.NewGuid():N}", ["agent"], cancellationToken: Ct);
        Assert.Equal(HttpStatusCode.OK, await InitializeWithAsync(key.Key));

        await Keys.RevokeAsync(key.Info.Id, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, await InitializeWithAsync(key.Key));
    }

    [Fact]
    public async Task RotatedKey_OldOneStops_NewOneWorks()
    {
        var key = await Keys.CreateAsync($"rotated-{Guid.NewGuid():N}", ["agent"], cancellationToken: Ct);
        Assert.Equal(HttpStatusCode.OK, await InitializeWithAsync(key.Key));

        var rotated = await Keys.RotateAsync(key.Info.Prefix, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, await InitializeWithAsync(key.Key));
        Assert.Equal(HttpStatusCode.OK, await InitializeWithAsync(rotated!.Key));
    }

    [Fact]
    public async Task ExpiredKey_IsRefused()
    {
        var key = await Keys.CreateAsync($"expired-{Guid.NewGuid():N}", ["agent"], expiresIn: TimeSpan.FromMilliseconds(1), cancellationToken: Ct);
        await Task.Delay(TimeSpan.FromMilliseconds(5), Ct); // the key's lifetime, not a wait for a signal

        Assert.Equal(HttpStatusCode.Unauthorized, await InitializeWithAsync(key.Key));
    }

    [Fact]
    public async Task StandingProblem_OfTheKeyBehindQueuedWork_FollowsItsRevocationAndExpiry()
    {
        var key = await Keys.CreateAsync($"standing-{Guid.NewGuid():N}", ["agent"], cancellationToken: Ct);
        var expiring = await Keys.CreateAsync($"standing-expiring-{Guid.NewGuid():N}", ["agent"], expiresIn: TimeSpan.FromMilliseconds(1), cancellationToken: Ct);
        await Task.Delay(TimeSpan.FromMilliseconds(5), Ct); // the key's lifetime, not a wait for a signal
        Assert.Null(await Keys.StandingProblemAsync(key.Info.Prefix, Ct));

        await Keys.RevokeAsync(key.Info.Id, Ct);

        Assert.Equal("revoked", await Keys.StandingProblemAsync(key.Info.Prefix, Ct));
        Assert.Equal("expired", await Keys.StandingProblemAsync(expiring.Info.Prefix, Ct));
        Assert.Equal("unknown", await Keys.StandingProblemAsync("sbk_AAAAAAAAAAAA", Ct));
    }

    [Fact]
    public async Task KeysOfOnePrincipal_EachCarryTheirOwnCredential()
    {
        var key = await Keys.CreateAsync($"credential-{Guid.NewGuid():N}", ["agent"], cancellationToken: Ct);
        var first = (await Keys.AuthenticateAsync(key.Key, Ct)).Caller!.Access;
        var rotated = await Keys.RotateAsync(key.Info.Prefix, Ct);

        var second = (await Keys.AuthenticateAsync(rotated!.Key, Ct)).Caller!.Access;

        Assert.Equal((key.Info.Principal, key.Info.Prefix), (first.Id, first.Credential));
        Assert.Equal((key.Info.Principal, rotated.Info.Prefix), (second.Id, second.Credential));
    }

    [Theory]
    [InlineData("sbk_AAAAAAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("sbk_short")]
    [InlineData("sbk_AAAAAAAAAAAA_secret-with-dashes-and-the-wrong-length")]
    public async Task UnknownOrMalformedKey_IsRefused(string key) =>
        Assert.Equal(HttpStatusCode.Unauthorized, await InitializeWithAsync(key));

    [Fact]
    public async Task GuessedSecretForARealPrefix_IsRefused()
    {
        var key = await Keys.CreateAsync($"guessed-{Guid.NewGuid():N}", ["agent"], cancellationToken: Ct);
        string guess = key.Info.Prefix + "_" + new string('A', 43);

        Assert.Equal(HttpStatusCode.Unauthorized, await InitializeWithAsync(guess));
    }

    [Fact]
    public async Task GuessedSecretForAPrefixJustVerified_IsRefused()
    {
        var key = await Keys.CreateAsync($"verified-{Guid.NewGuid():N}", ["agent"], cancellationToken: Ct);
        Assert.Equal(HttpStatusCode.OK, await InitializeWithAsync(key.Key));

        string guess = key.Info.Prefix + "_" + new string('A', 43);

        Assert.Equal(HttpStatusCode.Unauthorized, await InitializeWithAsync(guess));
        Assert.Equal(HttpStatusCode.OK, await InitializeWithAsync(key.Key));
    }

    [Fact]
    public async Task RolesChangedElsewhere_TakeEffectOnTheNextVersionRead()
    {
        var key = await Keys.CreateAsync($"demoted-{Guid.NewGuid():N}", ["agent"], cancellationToken: Ct);
        await using (var before = await gateway.ConnectAsync("/mcp", "2025-11-25", bearerToken: key.Key))
        {
            Assert.NotEqual(true, (await before.CallToolAsync("utilities__uuid_v4", cancellationToken: Ct)).IsError);
        }

        // A role gets its row on first use; a viewer key gives 'viewer' one, whatever ran before this test.
        await Keys.CreateAsync($"viewer-{Guid.NewGuid():N}", ["viewer"], cancellationToken: Ct);
        // As another replica or the CLI would: straight to the database, then this process's once-a-second read.
        var principals = gateway.Services.GetRequiredService<IPrincipalStore>();
        var principal = await principals.FindByNameAsync(key.Info.Principal, Ct);
        await principals.SetRolesAsync(principal!.Id, ["viewer"], Ct);
        await gateway.Services.GetRequiredService<IdentityVersion>().RefreshAsync(Ct);

        await using var after = await gateway.ConnectAsync("/mcp", "2025-11-25", bearerToken: key.Key);
        var error = await Assert.ThrowsAsync<McpProtocolException>(async () => await after.CallToolAsync("utilities__uuid_v4", cancellationToken: Ct));
        Assert.Equal(SwitchboardErrorCodes.PermissionDenied, error.ErrorCode);
    }

    [Fact]
    public async Task SameKey_SharesOnePrincipal_UntilItsRolesChange()
    {
        var key = await Keys.CreateAsync($"shared-{Guid.NewGuid():N}", ["agent"], cancellationToken: Ct);
        var first = (await Keys.AuthenticateAsync(key.Key, Ct)).Caller!;
        Assert.Same(first.User, (await Keys.AuthenticateAsync(key.Key, Ct)).Caller!.User);

        await Keys.CreateAsync($"viewer-{Guid.NewGuid():N}", ["viewer"], cancellationToken: Ct);
        var principals = gateway.Services.GetRequiredService<IPrincipalStore>();
        var principal = await principals.FindByNameAsync(key.Info.Principal, Ct);
        await principals.SetRolesAsync(principal!.Id, ["viewer"], Ct);
        await gateway.Services.GetRequiredService<IdentityVersion>().RefreshAsync(Ct);

        var after = (await Keys.AuthenticateAsync(key.Key, Ct)).Caller!.User;
        Assert.NotSame(first.User, after);
        Assert.Equal(["viewer"], after.FindAll(SwitchboardClaims.Role).Select(c => c.Value));
        Assert.Equal(["viewer"], after.ToAccessPrincipal().Roles.Roles);
        Assert.Equal([key.Info.Principal, key.Info.Prefix], [after.PrincipalId(), after.FindFirst(SwitchboardClaims.ApiKey)?.Value]);
    }

    [Fact]
    public async Task RevokedKey_GetsNoPrincipal_EvenAfterSharingOne()
    {
        var key = await Keys.CreateAsync($"shared-revoked-{Guid.NewGuid():N}", ["agent"], cancellationToken: Ct);
        Assert.NotNull((await Keys.AuthenticateAsync(key.Key, Ct)).Caller!.User);

        await Keys.RevokeAsync(key.Info.Id, Ct);

        var (caller, failure) = await Keys.AuthenticateAsync(key.Key, Ct);
        Assert.Null(caller);
        Assert.Equal("revoked API key", failure);
    }

    [Fact]
    public async Task SharedPrincipal_ServesEveryRequestOfTheKey_Unchanged()
    {
        var key = await Keys.CreateAsync($"shared-calls-{Guid.NewGuid():N}", ["agent"], cancellationToken: Ct);
        var user = (await Keys.AuthenticateAsync(key.Key, Ct)).Caller!.User;
        string[] claims = [.. user.Claims.Select(c => $"{c.Type}={c.Value}")];

        // Through the whole request path (authentication, authorization, the SDK, access filters, audit): anything
        // that changed the shared principal would throw and fail these calls.
        for (int i = 0; i < 3; i++)
        {
            await using var client = await gateway.ConnectAsync("/mcp", "2025-11-25", bearerToken: key.Key);
            Assert.NotEqual(true, (await client.CallToolAsync("utilities__uuid_v4", cancellationToken: Ct)).IsError);
        }

        Assert.Same(user, (await Keys.AuthenticateAsync(key.Key, Ct)).Caller!.User);
        Assert.Equal(claims, user.Claims.Select(c => $"{c.Type}={c.Value}"));
        Assert.Single(user.Identities);
    }

    [Fact]
    public async Task RememberedKey_SecretDifferingInOneCharacter_IsRefused_AndTheKeyStillWorks()
    {
        var key = await Keys.CreateAsync($"remembered-{Guid.NewGuid():N}", ["agent"], cancellationToken: Ct);
        var caller = (await Keys.AuthenticateAsync(key.Key, Ct)).Caller!;
        Assert.Same(caller, (await Keys.AuthenticateAsync(key.Key, Ct)).Caller); // remembered from here on
        string near = key.Key[..^1] + (key.Key[^1] == 'A' ? 'B' : 'A');

        var (refused, failure) = await Keys.AuthenticateAsync(near, Ct);

        Assert.Null(refused);
        Assert.Equal("unknown API key", failure);
        Assert.Same(caller, (await Keys.AuthenticateAsync(key.Key, Ct)).Caller);
    }

    [Fact]
    public async Task RememberedKey_Rotated_OldSecretIsRefusedOnTheVeryNextRequest()
    {
        var key = await Keys.CreateAsync($"remembered-rotated-{Guid.NewGuid():N}", ["agent"], cancellationToken: Ct);
        Assert.NotNull((await Keys.AuthenticateAsync(key.Key, Ct)).Caller);
        Assert.NotNull((await Keys.AuthenticateAsync(key.Key, Ct)).Caller);

        var rotated = await Keys.RotateAsync(key.Info.Prefix, Ct);

        Assert.Equal("revoked API key", await RefusalOfAsync(key.Key));
        Assert.Equal(HttpStatusCode.Unauthorized, await InitializeWithAsync(key.Key));
        Assert.Equal(key.Info.Principal, (await Keys.AuthenticateAsync(rotated!.Key, Ct)).Caller?.Principal);
    }

    [Fact]
    public async Task RememberedKey_RevokedThroughTheStore_IsRefusedOnTheVeryNextRequest()
    {
        var key = await Keys.CreateAsync($"remembered-revoked-{Guid.NewGuid():N}", ["agent"], cancellationToken: Ct);
        Assert.Equal(HttpStatusCode.OK, await InitializeWithAsync(key.Key));
        Assert.Equal(HttpStatusCode.OK, await InitializeWithAsync(key.Key));

        // Through the store, as the CLI does: it moves the identity version, which retires every remembered key.
        await gateway.Services.GetRequiredService<IApiKeyStore>().RevokeAsync(key.Info.Id, DateTimeOffset.UtcNow, Ct);

        Assert.Equal("revoked API key", await RefusalOfAsync(key.Key));
        Assert.Equal(HttpStatusCode.Unauthorized, await InitializeWithAsync(key.Key));
    }

    [Fact]
    public async Task RememberedKey_Expiring_IsRefusedOnceItsTimeIsUp()
    {
        var key = await Keys.CreateAsync($"remembered-expiring-{Guid.NewGuid():N}", ["agent"], expiresIn: TimeSpan.FromSeconds(2), cancellationToken: Ct);
        Assert.NotNull((await Keys.AuthenticateAsync(key.Key, Ct)).Caller);

        // Poll with a deadline: the key's own lifetime is what is waited for, and nothing else moves the version.
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        (ApiKeyCaller? Caller, string? Failure) result;
        while ((result = await Keys.AuthenticateAsync(key.Key, Ct)).Caller is not null && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), Ct);
        }

        Assert.Equal((null, "expired API key"), (result.Caller?.Principal, result.Failure));
    }

    [Fact]
    public async Task KeyInsideALargerText_IsReadWhereItLies()
    {
        var key = await Keys.CreateAsync($"in-place-{Guid.NewGuid():N}", ["agent"], cancellationToken: Ct);
        string header = $"Bearer {key.Key}  ";

        var first = await Keys.AuthenticateAsync(header.AsMemory("Bearer ".Length, key.Key.Length), Ct);
        var again = await Keys.AuthenticateAsync(header.AsMemory("Bearer ".Length, key.Key.Length), Ct);

        Assert.Equal(key.Info.Principal, first.Caller?.Principal);
        Assert.Same(first.Caller, again.Caller);
        Assert.Equal("malformed API key", (await Keys.AuthenticateAsync(header.AsMemory("Bearer ".Length, key.Key.Length - 1), Ct)).Failure);
    }

    private async Task<string?> RefusalOfAsync(string key) =>
        (await Keys.AuthenticateAsync(key, Ct)) is { Caller: null, Failure: var failure } ? failure : "accepted";

    private async Task<HttpStatusCode> InitializeWithAsync(string key)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Endpoint("/mcp")) { Content = new StringContent(Initialize, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add(ApiKeyAuthenticationHandler.HeaderName, key);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        return response.StatusCode;
    }
}
