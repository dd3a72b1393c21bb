using System.Globalization;
using Switchboard.Storage.Database;
using Switchboard.Storage.Maintenance;

namespace Switchboard.Storage.Tests.Infrastructure;

/// <summary>Every row of every table as provider-neutral text, for row-for-row comparisons.</summary>
public static class Snapshot
{
    public static async Task<Dictionary<string, List<string>>> TakeAsync(StorageDatabase database)
    {
        var result = new Dictionary<string, List<string>>();
        await using var connection = await database.OpenConnectionAsync();
        foreach (var table in SchemaCatalog.Tables)
        {
            var rows = new List<string>();
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {string.Join(", ", table.Columns.Select(c => c.Name))} FROM {table.Name} ORDER BY {table.OrderBy}";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add(string.Join("|", table.Columns.Select((c, i) => reader.IsDBNull(i) ? "NULL" : c.Kind switch
                {
                    ColumnKind.Timestamp => StorageDatabase.ReadTimestamp(reader, i).ToString("O", CultureInfo.InvariantCulture),
                    ColumnKind.Boolean => reader.GetBoolean(i).ToString(),
                    ColumnKind.Integer => reader.GetInt64(i).ToString(CultureInfo.InvariantCulture),
                    _ => reader.GetString(i),
                })));
            }

            result[table.Name] = rows;
        }

        return result;
    }

    public static void Equal(Dictionary<string, List<string>> expected, Dictionary<string, List<string>> actual)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (table, rows) in expected)
        {
            Assert.True(rows.SequenceEqual(actual[table]), $"Table {table} differs:\nexpected:\n{string.Join("\n", rows)}\nactual:\n{string.Join("\n", actual[table])}");
        }
    }
}
