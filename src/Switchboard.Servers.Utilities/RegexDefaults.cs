namespace Switchboard.Servers.Utilities;

/// <summary>
/// A match timeout for the regular expressions that libraries build without one, such as JSON Schema's
/// <c>pattern</c>, <c>patternProperties</c> and <c>format: "regex"</c>. Abandoning such a match at a deadline does
/// not stop it, and a catastrophic pattern would otherwise hold a core for ever.
/// </summary>
public static class RegexDefaults
{
    /// <summary>The longest any regular expression built without its own timeout may run in one match.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(Limits.DefaultRegexTimeoutMs);

    private const string DefaultMatchTimeoutKey = "REGEX_DEFAULT_MATCH_TIMEOUT";

    /// <summary>
    /// Sets the process-wide default match timeout. .NET reads it once, when the first regular expression is built,
    /// so the executable calls this before doing anything else.
    /// </summary>
    public static void Apply()
    {
        if (AppContext.GetData(DefaultMatchTimeoutKey) is null)
        {
            AppContext.SetData(DefaultMatchTimeoutKey, MatchTimeout);
        }
    }
}
