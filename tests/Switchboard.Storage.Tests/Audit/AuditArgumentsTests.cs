using System.Text.Json;
using System.Text.Json.Nodes;
using Switchboard.Storage.Audit;

namespace Switchboard.Storage.Tests.Audit;

public sealed class AuditArgumentsTests
{
    // A well-formed key (sbk_ + 12 + _ + 43), a JWT and a GitHub token, all made up.
    private const string ApiKey = "sbk_AbCdEfGh1234_0123456789abcdefghijABCDEFGHIJ0123456789abcde";
    private const string Jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz";
    private const string GitHubToken = "ghp_0123456789abcdefghijABCDEFGHIJ012345";

    private static AuditArguments Capture(int maxBytes = 4096, params string[] extraNames)
    {
        var options = new AuditOptions { CaptureArguments = true, MaxArgumentBytes = maxBytes };
        foreach (var name in extraNames)
        {
            options.RedactedNames.Add(name);
        }

        return new AuditArguments(options);
    }

    private static Dictionary<string, JsonElement> Arguments(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    [Fact]
    public void Capture_Off_KeepsNothing()
    {
        var off = new AuditArguments(new AuditOptions());

        Assert.False(off.Enabled);
        Assert.Null(off.Capture(Arguments("""{"path":"/etc/hosts"}""")));
    }

    [Fact]
    public void Capture_NestedObjectsAndArrays_RedactsSecretNamesAtAnyDepthAndKeepsTheRest()
    {
        var captured = Capture().Capture(Arguments(
            """
            {
              "query": "select 1",
              "limit": 10,
              "dryRun": false,
              "note": null,
              "password": "hunter2",
              "connection": { "host": "db", "port": 5432, "credentials": { "user": "sa", "pwd": "x" } },
              "headers": [ { "name": "Accept", "value": "json" }, { "Authorization": "Basic dXNlcjpwYXNz" } ],
              "auth": { "user": "alice", "otp": 123456 }
            }
            """));

        var expected = JsonNode.Parse(
            """
            {
              "query": "select 1",
              "limit": 10,
              "dryRun": false,
              "note": null,
              "password": "[redacted]",
              "connection": { "host": "db", "port": 5432, "credentials": "[redacted]" },
              "headers": [ { "name": "Accept", "value": "json" }, { "Authorization": "[redacted]" } ],
              "auth": "[redacted]"
            }
            """);
        Assert.True(JsonNode.DeepEquals(expected, captured), captured!.ToJsonString());
    }

    [Theory]
    [InlineData("password")]
    [InlineData("PASSWORD")]
    [InlineData("db_password")]
    [InlineData("newPassword")]
    [InlineData("passwd")]
    [InlineData("client_secret")]
    [InlineData("apiKey")]
    [InlineData("api_key")]
    [InlineData("X-Api-Key")]
    [InlineData("privateKey")]
    [InlineData("accessToken")]
    [InlineData("refresh_token")]
    [InlineData("id.token")]
    [InlineData("Authorization")]
    [InlineData("Set-Cookie")]
    [InlineData("connection_string")]
    [InlineData("aws_credentials")]
    [InlineData("key")]
    public void NameVariants_AreRedacted(string name)
    {
        Assert.True(Capture().IsRedactedName(name), name);
    }

    [Theory]
    [InlineData("path")]
    [InlineData("max_tokens")]
    [InlineData("keyword")]
    [InlineData("author")]
    [InlineData("message")]
    public void OrdinaryNames_AreKept(string name)
    {
        Assert.False(Capture().IsRedactedName(name), name);
    }

    [Fact]
    public void ConfiguredNames_AddToTheDefaults()
    {
        var capture = Capture(4096, "ssn", "IBAN");

        var captured = capture.Capture(Arguments("""{"customer":{"Ssn":"078-05-1120","iban_number":"x","iban":"DE44","password":"p"}}"""));

        Assert.Equal("""{"customer":{"Ssn":"[redacted]","iban_number":"x","iban":"[redacted]","password":"[redacted]"}}""", captured!.ToJsonString());
    }

    [Theory]
    [InlineData("use " + ApiKey + " for the call", "use [redacted] for the call")]
    [InlineData(Jwt, "[redacted]")]
    [InlineData("Authorization: Bearer abcdefghijklmnop.qrstuvwx", "Authorization: Bearer [redacted]")]
    [InlineData("bearer " + Jwt, "bearer [redacted]")]
    [InlineData("token " + GitHubToken, "token [redacted]")]
    [InlineData("Host=db;Username=app;Password=s3cr3t;Database=x", "Host=db;Username=app;Password=[redacted];Database=x")]
    [InlineData("https://api.example.com/v1?api_key=abc123&page=2", "https://api.example.com/v1?api_key=[redacted]&page=2")]
    [InlineData("postgres://app:s3cr3t@db.internal:5432/app", "postgres://app:[redacted]@db.internal:5432/app")]
    [InlineData("{\"client_secret\": \"abc\", \"scope\": \"read\"}", "{\"client_secret\": \"[redacted]\", \"scope\": \"read\"}")]
    [InlineData("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nMIIEow\nIBAAK==\n-----END RSA PRIVATE KEY-----\nafter", "[redacted]\nafter")]
    [InlineData("AKIAIOSFODNN7EXAMPLE", "[redacted]")]
    public void SecretLookingValues_AreRedactedWhateverTheName(string value, string expected)
    {
        var captured = Capture().Capture(Arguments(JsonSerializer.Serialize(new { message = value, list = new[] { value } })));

        Assert.Equal(expected, (string?)captured!["message"]);
        Assert.Equal(expected, (string?)captured["list"]![0]);
    }

    [Theory]
    [InlineData("The basic idea is simple.")]
    [InlineData("sbk_AbCdEfGh1234")] // a key's public prefix alone, as 'keys list' shows it
    [InlineData("eyJ alone is not a token")]
    [InlineData("max_tokens=100")]
    public void OrdinaryText_IsKept(string value)
    {
        Assert.Equal(value, AuditArguments.RedactSecrets(value));
    }

    [Fact]
    public void Truncation_RedactsFirst_ThenCutsAtTheBoundAndSaysHowLongItWas()
    {
        var content = new string('x', 2000);
        var captured = Capture(maxBytes: 256).Capture(Arguments(JsonSerializer.Serialize(new { password = "hunter2", path = "/tmp/a", content })));

        var text = Assert.IsAssignableFrom<JsonValue>(captured).GetValue<string>();
        var marker = text.IndexOf("... [truncated: ", StringComparison.Ordinal);
        Assert.Equal(256, marker);
        Assert.Equal("{\"password\":\"[redacted]\",\"path\":\"/tmp/a\",\"content\":\"xxx", text[..55]);
        var whole = "{\"password\":\"[redacted]\",\"path\":\"/tmp/a\",\"content\":\"\"}".Length + content.Length;
        Assert.EndsWith($"[truncated: {whole} bytes in all]", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncation_CountsUtf8Bytes_AndCutsOnACharacterBoundary()
    {
        // '€' is three bytes in UTF-8: a cut at 256 bytes falls inside one unless it steps back.
        var captured = Capture(maxBytes: 256).Capture(Arguments(JsonSerializer.Serialize(new { text = new string('€', 500) })));

        var text = ((JsonValue)captured!).GetValue<string>();
        var kept = text[..text.IndexOf("... [truncated: ", StringComparison.Ordinal)];
        Assert.Equal("{\"text\":\"" + new string('€', (256 - 9) / 3), kept);
        Assert.EndsWith($"[truncated: {9 + (500 * 3) + 2} bytes in all]", text, StringComparison.Ordinal);
    }

    [Fact]
    public void WithinTheBound_StaysAnObject()
    {
        var captured = Capture(maxBytes: 256).Capture(Arguments("""{"text":"hello"}"""));

        Assert.IsType<JsonObject>(captured);
    }
}
