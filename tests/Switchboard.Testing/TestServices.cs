namespace Switchboard.Testing;

/// <summary>
/// Where the throwaway PostgreSQL and Redis started by <c>scripts/services.sh start</c> listen: environment
/// variables first, then the script's env file. Missing services fail the test with instructions; never skipped.
/// </summary>
public static class TestServices
{
    private static readonly Lazy<Dictionary<string, string>> FromFile = new(ReadEnvFile);

    /// <summary>An Npgsql connection string for a superuser of the test PostgreSQL server.</summary>
    public static string PostgresAdmin => Require("SWITCHBOARD_TEST_POSTGRES");

    /// <summary>The shared test Redis, as a StackExchange.Redis configuration string.</summary>
    public static string Redis => Require("SWITCHBOARD_TEST_REDIS");

    /// <summary>The redis-server executable, for tests that run a Redis of their own.</summary>
    public static string RedisServerPath => Get("SWITCHBOARD_TEST_REDIS_SERVER") ?? "/usr/bin/redis-server";

    /// <summary>The folder holding the PostgreSQL client tools, if the script found one.</summary>
    public static string? PostgresBin => Get("SWITCHBOARD_TEST_PG_BIN");

    private static string Require(string name) => Get(name) ?? throw new InvalidOperationException(
        $"{name} is not set and {EnvFile} does not exist. Run `scripts/services.sh start` (starts a throwaway PostgreSQL and Redis on 127.0.0.1) and run the tests again.");

    private static string? Get(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : FromFile.Value.GetValueOrDefault(name);

    private static string EnvFile => Path.Combine(Environment.GetEnvironmentVariable("SWITCHBOARD_SERVICES_DIR") ?? "/tmp/switchboard-services", "env");

    private static Dictionary<string, string> ReadEnvFile()
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(EnvFile))
        {
            return values;
        }

        foreach (var line in File.ReadAllLines(EnvFile))
        {
            var text = line.StartsWith("export ", StringComparison.Ordinal) ? line[7..] : line;
            var eq = text.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                values[text[..eq]] = text[(eq + 1)..].Trim('\'', '"');
            }
        }

        return values;
    }
}
