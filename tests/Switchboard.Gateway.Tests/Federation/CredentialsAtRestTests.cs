using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using Switchboard.Access.Identity;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// Credentials of servers registered at run time are encrypted in the database: the row never holds the secret, the
/// upstream still gets it, and another replica with the same key reads it. Real gateway processes, real databases.
/// </summary>
public sealed class CredentialsAtRestTests
{
    private const string Tool = "docs__test_simple_text";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SharedPostgreSql_RowHoldsNoSecret_UpstreamGetsIt_SecondReplicaReadsIt()
    {
        await using var fixture = await RegistryFixture.CreateAsync(postgres: true);
        string upstreamKey = ApiKeyFormat.Generate().Key;
        string upstreamUrl = await fixture.StartEverythingAsync(upstreamKey);
        var first = await fixture.StartGatewayAsync();

        var (status, created) = await fixture.ApiAsync(first, HttpMethod.Post, "/servers", new JsonObject
        {
            ["name"] = "docs",
            ["url"] = upstreamUrl,
            ["headers"] = new JsonObject { ["Authorization"] = $"Bearer {upstreamKey}" },
        });

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("***", created.GetProperty("headers").GetProperty("Authorization").GetString());
        string row = await StoredSettingsAsync(fixture.ConnectionString!, "docs");
        Assert.DoesNotContain(upstreamKey, row, StringComparison.Ordinal);
        Assert.DoesNotContain(upstreamKey["sbk_".Length..][..12], row, StringComparison.Ordinal); // not even its id part
        Assert.Contains("\"Authorization\":\"sbenc:v1:fleet:", row, StringComparison.Ordinal);

        // The upstream refuses calls without its key: a served call proves the decrypted header reached it.
        var second = await fixture.StartGatewayAsync();
        await AssertServedAsync(fixture, second);
        await AssertServedAsync(fixture, first);
    }

    [Fact]
    public async Task SharedPostgreSqlWithoutAKey_RefusesToStoreCredentials_WithAClearError()
    {
        await using var fixture = await RegistryFixture.CreateAsync(postgres: true);
        fixture.Flags.RemoveAll(f => f.StartsWith("--CredentialEncryption:", StringComparison.Ordinal));

        var added = await fixture.CliAsync("servers", "add", "docs", "--url", "http://127.0.0.1:9/mcp", "--header", "Authorization=Bearer secret-value");

        Assert.NotEqual(0, added.ExitCode);
        Assert.Contains("set CredentialEncryption:Keys", added.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-value", added.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmbeddedSqlite_WithoutConfiguredKeys_EncryptsWithAKeyOfItsDataFolder()
    {
        await using var fixture = await RegistryFixture.CreateAsync(postgres: false);
        string upstreamKey = ApiKeyFormat.Generate().Key;
        string upstreamUrl = await fixture.StartEverythingAsync(upstreamKey);

        var added = await fixture.CliAsync("servers", "add", "docs", "--url", upstreamUrl, "--header", $"Authorization=Bearer {upstreamKey}");
        Assert.True(added.ExitCode == 0, added.Output);
        var gateway = await fixture.StartGatewayAsync();
        await AssertServedAsync(fixture, gateway);

        string keyFile = Path.Combine(fixture.Directory, "credentials.key");
        Assert.True(File.Exists(keyFile));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }

        // The database and its write-ahead log, every file in the gateway's folder but the upstream's own.
        var files = Directory.EnumerateFiles(fixture.Directory, "switchboard.db*").ToList();
        Assert.NotEmpty(files);
        Assert.All(files, file => Assert.DoesNotContain(upstreamKey, ReadShared(file), StringComparison.Ordinal));
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.Latin1);
        return reader.ReadToEnd();
    }

    private static async Task<string> StoredSettingsAsync(string connectionString, string name)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var select = new NpgsqlCommand("SELECT settings FROM servers WHERE name = @name", connection);
        select.Parameters.AddWithValue("name", name);
        return (string)(await select.ExecuteScalarAsync(Ct))!;
    }

    private static async Task AssertServedAsync(RegistryFixture fixture, Cli.GatewayProcess gateway)
    {
        await Poll.UntilAsync(async () => (await fixture.ToolNamesAsync(gateway)).Contains(Tool), RegistryFixture.Timeout, $"{Tool} was not listed on {gateway.Url}");
        var result = await gateway.CallToolAsync(fixture.AdminKey, Tool, Ct);
        Assert.True(result.TryGetProperty("result", out var answer) && !(answer.TryGetProperty("isError", out var isError) && isError.GetBoolean()), result.ToString());
    }
}
