using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Switchboard.Storage.Migrations;

/// <summary>One forward-only schema step: an ordered SQL script embedded in this assembly.</summary>
/// <param name="Version">The schema version the database is at once this script ran.</param>
/// <param name="Name">The script's name after its number, e.g. <c>initial</c>.</param>
/// <param name="Sql">The script, line endings normalized.</param>
/// <param name="Checksum">SHA-256 of <paramref name="Sql"/>, recorded in <c>schema_history</c> to catch edited scripts.</param>
public sealed record Migration(int Version, string Name, string Sql, string Checksum);

/// <summary>The migrations this build carries, per provider.</summary>
public static partial class MigrationCatalog
{
    private static readonly Lazy<IReadOnlyList<Migration>> Sqlite = new(() => Load("Sqlite"));
    private static readonly Lazy<IReadOnlyList<Migration>> PostgreSql = new(() => Load("PostgreSql"));

    /// <summary>The schema version this build expects: the highest migration it carries.</summary>
    public static int LatestVersion => For(StorageProvider.Sqlite)[^1].Version;

    /// <summary>
    /// How many schema versions past its own a build still serves. Expand/contract (docs/storage.md): the migration
    /// of release N+1 only adds (tables, nullable or defaulted columns, indexes) and drops only what release N no
    /// longer uses, so release N runs on it unchanged. That is what lets replicas of N keep serving while
    /// <c>switchboard migrate</c> of N+1 runs, during the rolling restart, and after a rollback to N.
    /// </summary>
    public const int ForwardCompatibleVersions = 1;

    /// <summary>The migrations for <paramref name="provider"/>, in order.</summary>
    public static IReadOnlyList<Migration> For(StorageProvider provider) =>
        provider == StorageProvider.PostgreSql ? PostgreSql.Value : Sqlite.Value;

    private static List<Migration> Load(string folder)
    {
        var assembly = typeof(MigrationCatalog).Assembly;
        var prefix = $"Migrations/{folder}/";
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var match = ScriptName().Match(resource[prefix.Length..]);
            if (!match.Success)
            {
                throw new InvalidOperationException($"Embedded migration '{resource}' is not named NNNN_name.sql.");
            }

            var sql = Read(assembly, resource).ReplaceLineEndings("\n");
            var checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql)));
            migrations.Add(new Migration(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), match.Groups[2].Value, sql, checksum));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException($"Migrations for {folder} must be numbered 1, 2, 3... without gaps; found {migrations[i].Version} at position {i + 1}.");
            }
        }

        return migrations;
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"^(\d{4})_([a-z0-9_]+)\.sql\z")]
    private static partial Regex ScriptName();
}
