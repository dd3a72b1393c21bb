using System.Globalization;

namespace Switchboard.Testing;

/// <summary>
/// Runs the rest of a test under another current culture (and UI culture), then restores the old one. Both flow with
/// the async context, so an in-memory server connected inside the scope handles its calls under that culture too.
/// </summary>
public sealed class CultureScope : IDisposable
{
    private readonly CultureInfo _culture = CultureInfo.CurrentCulture;
    private readonly CultureInfo _uiCulture = CultureInfo.CurrentUICulture;

    private CultureScope(string name)
    {
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(name);
    }

    /// <summary>Switches to the culture named <paramref name="name"/>, e.g. <c>de-DE</c> (comma decimals) or <c>tr-TR</c> (dotless i).</summary>
    public static CultureScope Use(string name) => new(name);

    public void Dispose()
    {
        CultureInfo.CurrentCulture = _culture;
        CultureInfo.CurrentUICulture = _uiCulture;
    }
}
