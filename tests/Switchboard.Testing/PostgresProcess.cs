using System.Globalization;

namespace Switchboard.Testing;

/// <summary>How <see cref="PostgresProcess.StopAsync"/> stops the server (<c>pg_ctl stop -m</c>).</summary>
public enum PostgresStopMode
{
    /// <summary>Sessions are terminated (clients see 57P01) and the server shuts down cleanly.</summary>
    Fast,

    /// <summary>Every server process quits at once, as in a crash; the next start runs crash recovery.</summary>
    Immediate,
}

/// <summary>
/// A PostgreSQL server owned by one test: its own data directory under the temp folder and its own loopback port
/// below 32768, so the test can crash and restart it without disturbing the shared instance other tests use.
/// Started as <c>scripts/services.sh</c> starts the shared one: PostgreSQL refuses to run as root, so as root
/// <c>initdb</c> and the server run as the <c>postgres</c> user.
/// </summary>
public sealed class PostgresProcess : IAsyncDisposable
{
    private const string Password = "switchboard-test";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);

    private readonly string _bin;
    private readonly string _root;

    private PostgresProcess(string bin, string root, int port) => (_bin, _root, Port) = (bin, root, port);

    /// <summary>The port it listens on, on 127.0.0.1; the same across restarts.</summary>
    public int Port { get; }

    /// <summary>An Npgsql connection string for the superuser and the <c>postgres</c> database.</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Password={Password};Database=postgres";

    /// <summary>Whether the server was started and not stopped since.</summary>
    public bool IsRunning { get; private set; }

    private string DataDirectory => Path.Combine(_root, "data");

    /// <summary>The folder holding <c>initdb</c> and <c>pg_ctl</c>: <c>SWITCHBOARD_TEST_PG_BIN</c> (see <see cref="TestServices"/>).</summary>
    public static string BinDirectory => TestServices.PostgresBin is { } bin && File.Exists(Path.Combine(bin, "pg_ctl"))
        ? bin
        : throw new InvalidOperationException(
            $"SWITCHBOARD_TEST_PG_BIN does not name a folder holding pg_ctl (it is '{TestServices.PostgresBin ?? "unset"}'). Run `scripts/services.sh start` (installs PostgreSQL and writes the env file) and run the tests again.");

    /// <summary>Creates a fresh cluster (superuser <c>postgres</c>, SCRAM password) and starts it.</summary>
    public static async Task<PostgresProcess> StartAsync(CancellationToken cancellationToken = default)
    {
        string bin = BinDirectory;
        var postgres = new PostgresProcess(bin, Directory.CreateTempSubdirectory("switchboard-pg-").FullName, LoopbackPort.Next());
        try
        {
            Directory.CreateDirectory(Path.Combine(postgres._root, "socket"));
            string passwordFile = Path.Combine(postgres._root, "password");
            await File.WriteAllTextAsync(passwordFile, Password + "\n", cancellationToken);
            if (IsRoot)
            {
                await RunAsync("chown", ["-R", "postgres:", postgres._root], cancellationToken);
            }

            await postgres.RunAsPostgresAsync(
                "initdb",
                ["-D", postgres.DataDirectory, "-U", "postgres", "--auth=scram-sha-256", $"--pwfile={passwordFile}", "--no-sync", "-E", "UTF8"],
                cancellationToken);
            await postgres.StartAgainAsync(cancellationToken);
            return postgres;
        }
        catch
        {
            await postgres.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server on the same data and port, and waits until it accepts connections.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        // fsync off: the tests crash the server, not the machine, and the kernel keeps whatever was written, so
        // syncing only costs time. synchronous_commit stays on, so a commit is acknowledged only once its WAL is
        // written: exactly what lets a test check that nothing acknowledged is lost in a crash.
        string settings = string.Create(
            CultureInfo.InvariantCulture,
            $"-c listen_addresses=127.0.0.1 -p {Port} -k {Path.Combine(_root, "socket")} -c fsync=off -c full_page_writes=off");
        string log = Path.Combine(_root, "server.log");
        try
        {
            await RunAsPostgresAsync("pg_ctl", ["-D", DataDirectory, "-l", log, "-w", "-t", "60", "-o", settings, "start"], cancellationToken);
        }
        catch (InvalidOperationException e) when (File.Exists(log))
        {
            throw new InvalidOperationException($"{e.Message}{Environment.NewLine}--- {log} ---{Environment.NewLine}{await File.ReadAllTextAsync(log, CancellationToken.None)}", e);
        }

        IsRunning = true;
    }

    /// <summary>Stops the server and waits until it is gone.</summary>
    public async Task StopAsync(PostgresStopMode mode = PostgresStopMode.Fast, CancellationToken cancellationToken = default)
    {
        string how = mode == PostgresStopMode.Immediate ? "immediate" : "fast";
        await RunAsPostgresAsync("pg_ctl", ["-D", DataDirectory, "-m", how, "-w", "-t", "60", "stop"], cancellationToken);
        IsRunning = false;
    }

    /// <summary>Stops the server if it runs and deletes its data.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (IsRunning)
            {
                await StopAsync(PostgresStopMode.Immediate, CancellationToken.None);
            }
        }
        finally
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static bool IsRoot => Environment.UserName == "root";

    private Task RunAsPostgresAsync(string tool, IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        IsRoot
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. arguments], cancellationToken, _root)
            : RunAsync(Path.Combine(_bin, tool), arguments, cancellationToken, _root);

    private static async Task RunAsync(string fileName, IEnumerable<string> arguments, CancellationToken cancellationToken, string? workingDirectory = null)
    {
        var result = await ProcessRunner.RunAsync(fileName, arguments, CommandTimeout, workingDirectory, cancellationToken: cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{fileName} {string.Join(' ', arguments)}' exited with {result.ExitCode}.{Environment.NewLine}{result.Output}");
        }
    }
}
