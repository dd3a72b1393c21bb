using Microsoft.Extensions.Options;

namespace Switchboard.Servers.Filesystem;

/// <summary>Checks <see cref="FilesystemOptions"/> at start; each message says what to change in <c>Servers:filesystem</c>.</summary>
public sealed class FilesystemOptionsValidator : IValidateOptions<FilesystemOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, FilesystemOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Roots.Count == 0)
        {
            failures.Add("Servers:filesystem:Roots is empty: list at least one directory the server may use (or pass --root DIR).");
        }

        foreach (string root in options.Roots)
        {
            if (string.IsNullOrWhiteSpace(root))
            {
                failures.Add("Servers:filesystem:Roots has an empty entry: remove it or give a directory path.");
            }
            else if (!Directory.Exists(Sandbox.PathText.ExpandHome(root)))
            {
                failures.Add($"Servers:filesystem:Roots entry '{root}' is not an existing directory: create it or fix the path.");
            }
        }

        Positive(options.MaxReadBytes, "MaxReadBytes", failures);
        Positive(options.MaxWriteBytes, "MaxWriteBytes", failures);
        Positive(options.MaxEntries, "MaxEntries", failures);
        Positive(options.MaxTreeDepth, "MaxTreeDepth", failures);
        Positive(options.MaxPathLength, "MaxPathLength", failures);
        if (options.SearchTimeBudget <= TimeSpan.Zero)
        {
            failures.Add($"Servers:filesystem:SearchTimeBudget must be positive (e.g. \"00:00:10\"); got {options.SearchTimeBudget}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Positive(long value, string name, List<string> failures)
    {
        if (value <= 0)
        {
            failures.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Servers:filesystem:{name} must be a positive number; got {value}."));
        }
    }
}
