using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Access.Identity;

namespace Switchboard.Gateway.Tests.Api;

/// <summary>
/// The gateway with a custom role, <c>auditor</c>, whose principals may make two API requests an hour, one that
/// manages keys alone, <c>keymanager</c>, and a key for stored servers' credentials.
/// </summary>
public sealed class AdminApiServer : GatewayServer
{
    public const string Auditor = "auditor";

    /// <summary>A custom role with <c>admin:keys</c> alone.</summary>
    public const string KeyManager = "keymanager";

    protected override string[] ExtraArguments =>
    [
        $"--Policy:Roles:{Auditor}:0=admin:audit",
        $"--RateLimits:Roles:{Auditor}:PerPrincipal:Permits=2",
        $"--RateLimits:Roles:{Auditor}:PerPrincipal:Burst=2",
        $"--RateLimits:Roles:{Auditor}:PerPrincipal:Period=01:00:00",
        $"--Policy:Roles:{KeyManager}:0=admin:keys",
        // Stored servers' environment values are credentials, stored only encrypted.
        $"--CredentialEncryption:Keys:tests={Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))}",
    ];

    /// <summary>A fresh key with <paramref name="roles"/>, made the way an operator's CLI makes one.</summary>
    public async Task<CreatedApiKey> CreateKeyAsync(params string[] roles) =>
        await Services.GetRequiredService<ApiKeyService>().CreateAsync($"{roles[0]}-{Guid.NewGuid():N}", roles, cancellationToken: TestContext.Current.CancellationToken);

    /// <summary>An HTTP client for the API, as the administrator or with <paramref name="key"/>; none when <paramref name="key"/> is empty.</summary>
    public HttpClient Client(string? key = null)
    {
        var http = new HttpClient { BaseAddress = BaseAddress };
        key ??= AdminKey;
        if (key.Length > 0)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return http;
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
}
