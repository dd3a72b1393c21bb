using System.Text;
using System.Text.RegularExpressions;

namespace Switchboard.Upstreams.Catalog;

/// <summary>
/// Whether a URI can come from an RFC 6570 URI template, so that <c>resources/read</c> of a concrete URI reaches the
/// upstream whose template it fits. Simple expressions (<c>{id}</c>) match one path segment, reserved and fragment
/// expansions (<c>{+path}</c>, <c>{#f}</c>) anything, path-style and query expressions (<c>{/a}</c>, <c>{?q}</c>,
/// <c>{&amp;r}</c>, <c>{;p}</c>) their optional part.
/// </summary>
internal sealed partial class UriTemplateMatcher(string template)
{
    private readonly Regex _pattern = new(ToPattern(template), RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromMilliseconds(100));

    public bool IsMatch(string uri)
    {
        try
        {
            return _pattern.IsMatch(uri);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private static string ToPattern(string template)
    {
        var pattern = new StringBuilder("^");
        int at = 0;
        foreach (Match expression in Expression().Matches(template))
        {
            pattern.Append(Regex.Escape(template[at..expression.Index]));
            pattern.Append(expression.Groups["op"].Value switch
            {
                "+" or "#" => "(.*)",
                "/" => "(/[^?#]*)?",
                "?" or "&" => "([?&][^#]*)?",
                ";" => "(;[^/?#]*)?",
                "." => "(\\.[^/?#]*)?",
                _ => "([^/?#&]*)",
            });
            at = expression.Index + expression.Length;
        }

        pattern.Append(Regex.Escape(template[at..])).Append('$');
        return pattern.ToString();
    }

    [GeneratedRegex(@"\{(?<op>[+#./;?&]?)[^}]*\}", RegexOptions.CultureInvariant)]
    private static partial Regex Expression();
}
