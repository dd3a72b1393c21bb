namespace Switchboard.Testing;

/// <summary>
/// The <c>switchboard</c> executable as <c>dotnet publish</c> makes it, with the runtimeconfig and files that the
/// container image ships. End-to-end tests start this, never the test host's build output, so that
/// a difference between the two (the invariant-globalization gap of issue 9) cannot hide.
/// </summary>
public static class PublishedSwitchboard
{
    /// <summary>Names another published executable to test instead (the deploy pipeline's, say).</summary>
    public const string EnvironmentVariable = "SWITCHBOARD_PUBLISHED";

    /// <summary>What makes it; <c>scripts/test.sh</c> runs this after the build.</summary>
    public const string PublishCommand = "dotnet publish src/Switchboard -c Release -o artifacts/publish/switchboard";

    /// <summary>
    /// The executable: <see cref="EnvironmentVariable"/> when set, else <c>artifacts/publish/switchboard/switchboard</c>
    /// in the repository. Throws, saying how to make it, when it is not there: falling back to the build output
    /// would test something other than what ships.
    /// </summary>
    public static string Path
    {
        get
        {
            string? configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
            string path = string.IsNullOrEmpty(configured)
                ? System.IO.Path.Combine(Repository.Root, "artifacts", "publish", "switchboard", "switchboard")
                : System.IO.Path.GetFullPath(configured);
            return File.Exists(path)
                ? path
                : throw new FileNotFoundException(
                    string.IsNullOrEmpty(configured)
                        ? $"The published switchboard is not at {path}. Make it with '{PublishCommand}' in {Repository.Root} (scripts/test.sh does), or name another with {EnvironmentVariable}."
                        : $"{EnvironmentVariable} names {path}, which does not exist. Unset it to use the repository's, made by '{PublishCommand}'.",
                    path);
        }
    }

    /// <summary>The folder it was published to.</summary>
    public static string Directory => System.IO.Path.GetDirectoryName(Path)!;
}
