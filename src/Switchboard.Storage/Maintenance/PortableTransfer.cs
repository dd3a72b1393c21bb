using System.Data;
using System.Data.Common;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Switchboard.Storage.Database;
using Switchboard.Storage.Migrations;

namespace Switchboard.Storage.Maintenance;

/// <summary>
/// Provider-independent export and import: a zip holding <c>manifest.json</c> (format, schema version, tables, row
/// counts) and one JSON-lines file per table. Export from SQLite, import into PostgreSQL (or back) loses nothing.
/// </summary>
public sealed class PortableTransfer(StorageDatabase database, MigrationRunner runner)
{
    /// <summary>The <c>format</c> value in every manifest.</summary>
    public const string Format = "switchboard-export";

    private const int FormatVersion = 1;
    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    /// <summary>Writes every row of every table to <paramref name="path"/>, which must not exist yet.</summary>
    public async Task<StorageCommandResult> ExportAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
        {
            return StorageCommandResult.Fail($"{full} already exists; choose a new file name (exports never overwrite).");
        }

        try
        {
            var status = await runner.GetStatusAsync(cancellationToken);
            if (status.IsAhead)
            {
                return StorageCommandResult.Fail($"The {database.Description} is at schema version {status.CurrentVersion}, written by a newer release; this build exports version {status.LatestVersion}. Export with that release.");
            }

            if (!status.IsCurrent)
            {
                return StorageCommandResult.Fail($"The {database.Description} is at schema version {status.CurrentVersion}; this build exports version {status.LatestVersion}. Run `switchboard migrate` first.");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            var counts = new Dictionary<string, long>();
            var temp = full + ".partial";
            await using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            using (var zip = new ZipArchive(file, ZipArchiveMode.Create))
            {
                await database.RunAsync(async (connection, ct) =>
                {
                    // One snapshot for all tables, so the export is consistent while the gateway keeps writing.
                    await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.Serializable, ct);
                    foreach (var table in SchemaCatalog.Tables)
                    {
                        counts[table.Name] = await ExportTableAsync(connection, transaction, table, zip, ct);
                    }

                    return true;
                }, cancellationToken);

                var manifest = new JsonObject
                {
                    ["format"] = Format,
                    ["formatVersion"] = FormatVersion,
                    ["schemaVersion"] = status.CurrentVersion,
                    ["sourceProvider"] = database.Provider.ToString(),
                    ["exportedAt"] = DateTimeOffset.UtcNow.ToString(TimestampFormat, CultureInfo.InvariantCulture),
                    ["tables"] = new JsonArray([.. SchemaCatalog.Tables.Select(t => (JsonNode)new JsonObject
                    {
                        ["name"] = t.Name,
                        ["rows"] = counts[t.Name],
                        ["columns"] = new JsonArray([.. t.Columns.Select(c => (JsonNode)c.Name)]),
                    })]),
                };
                await using var stream = await zip.CreateEntry("manifest.json").OpenAsync(cancellationToken);
                await JsonSerializer.SerializeAsync(stream, manifest, new JsonSerializerOptions { WriteIndented = true }, cancellationToken);
            }

            File.Move(temp, full);
            return StorageCommandResult.Ok(
                $"Exported schema version {status.CurrentVersion} from the {database.Description} to {full}: {string.Join(", ", counts.Select(c => $"{c.Value} {c.Key}"))}.");
        }
        catch (StorageException ex)
        {
            return StorageCommandResult.Fail(ex.Message);
        }
    }

    /// <summary>
    /// Loads an export into this database, which must be empty (no tables, or migrated with no rows). An empty
    /// database is first migrated to the export's schema version, then filled in one transaction, then migrated to
    /// the latest version. A failure rolls the rows back.
    /// </summary>
    public async Task<StorageCommandResult> ImportAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            return StorageCommandResult.Fail($"{full} does not exist; give the path of a file written by `switchboard export`.");
        }

        try
        {
            using var zip = OpenExport(full);
            var (schemaVersion, tables) = await ReadManifestAsync(zip, full, cancellationToken);
            var status = await runner.GetStatusAsync(cancellationToken);
            if (status.CurrentVersion > schemaVersion)
            {
                return StorageCommandResult.Fail($"The {database.Description} is at schema version {status.CurrentVersion}, newer than the export ({schemaVersion}). Import into an empty database.");
            }

            if (status.CurrentVersion < schemaVersion)
            {
                await runner.MigrateAsync(schemaVersion, cancellationToken);
            }

            var total = await database.RunAsync(async (connection, ct) =>
            {
                await using var transaction = await database.BeginExclusiveAsync(connection, 0x5357_494D_5054, ct);
                // The export's tables are those of its schema version: a later version's tables do not exist yet.
                foreach (var table in SchemaCatalog.Tables.Where(t => tables.ContainsKey(t.Name)))
                {
                    await using var count = connection.Command($"SELECT COUNT(*) FROM {table.Name}", transaction);
                    if (Convert.ToInt64(await count.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture) > 0)
                    {
                        throw new StorageException($"The {database.Description} already holds rows in {table.Name}; import only into an empty database. Nothing was imported.");
                    }
                }

                long rows = 0;
                foreach (var table in SchemaCatalog.Tables.Where(t => tables.ContainsKey(t.Name)))
                {
                    rows += await ImportTableAsync(connection, transaction, table, tables[table.Name], zip, ct);
                }

                await transaction.CommitAsync(ct);
                return rows;
            }, cancellationToken);

            var report = await runner.MigrateAsync(cancellationToken: cancellationToken);
            var migrated = report.Applied.Count > 0 ? $" Then migrated to schema version {report.ToVersion}." : string.Empty;
            return StorageCommandResult.Ok($"Imported {total} rows (schema version {schemaVersion}) from {full} into the {database.Description}.{migrated}");
        }
        catch (StorageException ex)
        {
            return StorageCommandResult.Fail(ex.Message);
        }
        catch (Exception ex) when (ex is InvalidDataException or JsonException or FormatException or KeyNotFoundException)
        {
            return StorageCommandResult.Fail($"{full} is not a valid Switchboard export ({ex.Message}). Nothing was imported.");
        }
    }

    private static ZipArchive OpenExport(string path)
    {
        try
        {
            return ZipFile.OpenRead(path);
        }
        catch (InvalidDataException ex)
        {
            throw new StorageException($"{path} is not a Switchboard export (not a zip archive: {ex.Message}). Nothing was imported.", ex);
        }
    }

    private static async Task<(int SchemaVersion, Dictionary<string, string[]> Tables)> ReadManifestAsync(ZipArchive zip, string path, CancellationToken cancellationToken)
    {
        var entry = zip.GetEntry("manifest.json") ?? throw new StorageException($"{path} has no manifest.json: it is not a Switchboard export. Nothing was imported.");
        await using var stream = await entry.OpenAsync(cancellationToken);
        var manifest = await JsonNode.ParseAsync(stream, cancellationToken: cancellationToken)
            ?? throw new StorageException($"{path} has an empty manifest.json.");
        if ((string?)manifest["format"] != Format || (int?)manifest["formatVersion"] != FormatVersion)
        {
            throw new StorageException($"{path} is not a Switchboard export of format version {FormatVersion}. Nothing was imported.");
        }

        var schemaVersion = (int)manifest["schemaVersion"]!;
        if (schemaVersion < 1 || schemaVersion > MigrationCatalog.LatestVersion)
        {
            throw new StorageException($"The export is of schema version {schemaVersion}, newer than this build supports ({MigrationCatalog.LatestVersion}); upgrade Switchboard. Nothing was imported.");
        }

        var tables = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var table in manifest["tables"]!.AsArray())
        {
            var name = (string)table!["name"]!;
            var known = SchemaCatalog.Tables.FirstOrDefault(t => t.Name == name)
                ?? throw new StorageException($"The export names a table '{name}' this build does not know. Nothing was imported.");
            var columns = table["columns"]!.AsArray().Select(c => (string)c!).ToArray();
            var unknown = columns.Where(c => known.Columns.All(k => k.Name != c)).ToArray();
            if (unknown.Length > 0)
            {
                throw new StorageException($"The export's table '{name}' has columns this build does not know ({string.Join(", ", unknown)}). Nothing was imported.");
            }

            tables[name] = columns;
        }

        return (schemaVersion, tables);
    }

    private static async Task<long> ExportTableAsync(DbConnection connection, DbTransaction transaction, TableInfo table, ZipArchive zip, CancellationToken cancellationToken)
    {
        await using var stream = await zip.CreateEntry($"tables/{table.Name}.jsonl").OpenAsync(cancellationToken);
        await using var command = connection.Command($"SELECT {string.Join(", ", table.Columns.Select(c => c.Name))} FROM {table.Name} ORDER BY {table.OrderBy}", transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        long rows = 0;
        var newline = "\n"u8.ToArray();
        while (await reader.ReadAsync(cancellationToken))
        {
            await using (var writer = new Utf8JsonWriter(stream))
            {
                writer.WriteStartObject();
                for (var i = 0; i < table.Columns.Count; i++)
                {
                    var (name, kind) = table.Columns[i];
                    if (reader.IsDBNull(i))
                    {
                        writer.WriteNull(name);
                        continue;
                    }

                    switch (kind)
                    {
                        case ColumnKind.Integer: writer.WriteNumber(name, reader.GetInt64(i)); break;
                        case ColumnKind.Boolean: writer.WriteBoolean(name, reader.GetBoolean(i)); break;
                        case ColumnKind.Timestamp: writer.WriteString(name, StorageDatabase.ReadTimestamp(reader, i).ToString(TimestampFormat, CultureInfo.InvariantCulture)); break;
                        default: writer.WriteString(name, reader.GetString(i)); break;
                    }
                }

                writer.WriteEndObject();
            }

            await stream.WriteAsync(newline, cancellationToken);
            rows++;
        }

        return rows;
    }

    private async Task<long> ImportTableAsync(DbConnection connection, DbTransaction transaction, TableInfo table, string[] columns, ZipArchive zip, CancellationToken cancellationToken)
    {
        var entry = zip.GetEntry($"tables/{table.Name}.jsonl") ?? throw new StorageException($"The export lacks tables/{table.Name}.jsonl. Nothing was imported.");
        var kinds = columns.Select(c => table.Columns.First(k => k.Name == c).Kind).ToArray();
        await using var insert = connection.Command(
            $"INSERT INTO {table.Name} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select((_, i) => "@p" + i))})", transaction);
        for (var i = 0; i < columns.Length; i++)
        {
            insert.With("p" + i, null);
        }

        await using var stream = await entry.OpenAsync(cancellationToken);
        using var lines = new StreamReader(stream, Encoding.UTF8);
        long rows = 0;
        while (await lines.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            using var row = JsonDocument.Parse(line);
            for (var i = 0; i < columns.Length; i++)
            {
                insert.Parameters[i].Value = row.RootElement.TryGetProperty(columns[i], out var value) ? ToDb(value, kinds[i]) : DBNull.Value;
            }

            await insert.ExecuteNonQueryAsync(cancellationToken);
            rows++;
        }

        return rows;
    }

    private object ToDb(JsonElement value, ColumnKind kind) => value.ValueKind == JsonValueKind.Null ? DBNull.Value : kind switch
    {
        ColumnKind.Integer => value.GetInt64(),
        ColumnKind.Boolean => value.GetBoolean(),
        ColumnKind.Timestamp => database.ToDb(DateTimeOffset.ParseExact(value.GetString()!, TimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)),
        _ => value.GetString()!,
    };
}
