using Switchboard.Registry;

namespace Switchboard.Tools;

/// <summary>Puts every tool of a catalog behind <see cref="ArgumentCheckingTool"/>.</summary>
public static class ArgumentChecks
{
    /// <summary>Wraps each tool now in <paramref name="catalog"/> so its arguments are checked against its input schema first.</summary>
    public static McpServerCatalog WithArgumentChecks(this McpServerCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        using var batch = catalog.Tools.DeferChangedEvents();
        foreach (var tool in catalog.Tools.ToList())
        {
            if (tool is not ArgumentCheckingTool)
            {
                catalog.Tools.Remove(tool);
                catalog.Tools.Add(new ArgumentCheckingTool(tool));
            }
        }

        return catalog;
    }
}
