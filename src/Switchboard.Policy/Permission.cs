using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.RegularExpressions;

namespace Switchboard.Policy;

/// <summary>
/// One grant: an action glob and an optional scope glob, written <c>tools:call filesystem/read_*</c>.
/// In globs <c>*</c> matches any run of characters but <c>/</c>, <c>**</c> matches anything, <c>?</c> one character.
/// A missing scope grants the action on everything.
/// </summary>
public sealed class Permission
{
    // A backstop only: NonBacktracking matching is linear in the input. A cold process's first match (JIT, building the
    // automaton) overran 100 ms on a loaded machine and failed the request, so the bound is generous.
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    private readonly Regex _action;
    private readonly Regex? _scope;
    private readonly string? _scopeGlob;

    private Permission(string text, Regex action, string? scopeGlob)
    {
        Text = text;
        _action = action;
        _scopeGlob = scopeGlob;
        _scope = scopeGlob is null ? null : Compile(scopeGlob);
    }

    /// <summary>The permission as written.</summary>
    public string Text { get; }

    /// <summary>Parses <paramref name="text"/>; <paramref name="error"/> says what is wrong when it cannot.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out Permission? permission, [NotNullWhen(false)] out string? error)
    {
        permission = null;
        var parts = (text ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length is 0 or > 2)
        {
            error = $"'{text}' is not a permission: write an action and an optional scope, e.g. 'tools:call filesystem/read_*'.";
            return false;
        }

        // An action glob that matches no action grants nothing: almost always a typo ('tools:list', 'tool:call').
        if (!Actions.All.Any(a => MatchesAction(parts[0], a)))
        {
            error = $"'{parts[0]}' is not an action: use one of {string.Join(", ", Actions.All)}, or a glob over them such as 'tools:*' or '*'; e.g. 'tools:call filesystem/read_*'.";
            return false;
        }

        permission = new Permission(text!.Trim(), Compile(parts[0]), parts.Length == 2 ? parts[1] : null);
        error = null;
        return true;
    }

    /// <summary>Parses <paramref name="text"/> or throws with the reason.</summary>
    public static Permission Parse(string text) =>
        TryParse(text, out var permission, out var error) ? permission : throw new FormatException(error);

    /// <summary>Whether this permission grants <paramref name="action"/> on <paramref name="scope"/> (null for unscoped actions).</summary>
    public bool Grants(string action, string? scope) =>
        _action.IsMatch(action) && (_scope is null || (scope is not null && _scope.IsMatch(scope)));

    /// <summary>Whether this permission grants <paramref name="action"/> on some scope.</summary>
    public bool GrantsAction(string action) => _action.IsMatch(action);

    /// <summary>
    /// Whether this permission grants <paramref name="action"/> on every scope <paramref name="other"/> could grant it
    /// on: whether its holder may hand <paramref name="other"/> out without widening its own access.
    /// </summary>
    public bool GrantsWherever(Permission other, string action)
    {
        ArgumentNullException.ThrowIfNull(other);
        return GrantsAction(action) && (_scopeGlob is null || (other._scopeGlob is not null && GlobContains(_scopeGlob, other._scopeGlob)));
    }

    /// <inheritdoc />
    public override string ToString() => Text;

    // Whether every scope `inner` matches, `outer` matches too. Outer's tokens consume inner's as symbols: '*' a run of
    // them within a segment, '**' any run, '?' one character or '?', a literal itself. It never says yes wrongly; where
    // it says no wrongly (an odd pair of globs), a grant is refused, never widened.
    private static bool GlobContains(string outer, string inner)
    {
        var o = Tokens(outer);
        var i = Tokens(inner);
        var known = new bool?[o.Count + 1, i.Count + 1];
        bool Covers(int a, int b)
        {
            if (known[a, b] is { } answer)
            {
                return answer;
            }

            bool covers = a == o.Count
                ? b == i.Count
                : o[a] switch
                {
                    "**" => Covers(a + 1, b) || (b < i.Count && Covers(a, b + 1)),
                    "*" => Covers(a + 1, b) || (b < i.Count && i[b] is not ("/" or "**") && Covers(a, b + 1)),
                    "?" => b < i.Count && i[b] is not ("/" or "*" or "**") && Covers(a + 1, b + 1),
                    var literal => b < i.Count && i[b] == literal && Covers(a + 1, b + 1),
                };
            known[a, b] = covers;
            return covers;
        }

        return Covers(0, 0);
    }

    private static List<string> Tokens(string glob)
    {
        var tokens = new List<string>(glob.Length);
        for (int i = 0; i < glob.Length; i++)
        {
            bool globstar = glob[i] == '*' && i + 1 < glob.Length && glob[i + 1] == '*';
            tokens.Add(globstar ? "**" : glob[i].ToString());
            i += globstar ? 1 : 0;
        }

        return tokens;
    }

    // The glob rules above, for action names (which hold no '/', so '*' and '**' both match any run). Plain code rather
    // than the compiled regex: parsing runs in cold processes (the CLI, start-up), where a regex's first match can
    // overrun its timeout on a loaded machine.
    private static bool MatchesAction(string glob, string action)
    {
        // The classic wildcard walk: on a mismatch, let the last '*' swallow one more character. O(glob × action).
        int g = 0, a = 0, star = -1, resume = 0;
        while (a < action.Length)
        {
            if (g < glob.Length && (glob[g] == '?' || glob[g] == action[a]))
            {
                g++;
                a++;
            }
            else if (g < glob.Length && glob[g] == '*')
            {
                star = g++;
                resume = a;
            }
            else if (star >= 0)
            {
                g = star + 1;
                a = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (g < glob.Length && glob[g] == '*')
        {
            g++;
        }

        return g == glob.Length;
    }

    private static Regex Compile(string glob)
    {
        var pattern = new StringBuilder("^");
        for (int i = 0; i < glob.Length; i++)
        {
            char c = glob[i];
            if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
            {
                pattern.Append(".*");
                i++;
            }
            else
            {
                pattern.Append(c switch
                {
                    '*' => "[^/]*",
                    '?' => "[^/]",
                    _ => Regex.Escape(c.ToString()),
                });
            }
        }

        return new Regex(pattern.Append(@"\z").ToString(), RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, MatchTimeout);
    }
}
