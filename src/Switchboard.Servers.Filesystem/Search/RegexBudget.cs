namespace Switchboard.Servers.Filesystem.Search;

/// <summary>
/// The characters one glob alternative's regex may still take, spent as each piece of it is written. Every
/// <c>!(…)</c> compiles everything after it in its segment again, so the regex doubles with each one: counting as it
/// is built refuses such a pattern after a bounded amount of work, where measuring the finished regex took time and
/// memory that doubled too (20-odd negations: seconds and gigabytes).
/// </summary>
internal sealed class RegexBudget(int characters, string pattern, CancellationToken cancellationToken)
{
    private int _left = characters;

    /// <summary>Takes <paramref name="text"/>'s length from what is left and returns it, or fails the call when too little is.</summary>
    public string Spend(string text)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _left -= text.Length;
        if (_left < 0)
        {
            ToolFailure.Throw($"The pattern '{pattern}' is too complex to match (its extglob negations multiply): simplify it.");
        }

        return text;
    }
}
