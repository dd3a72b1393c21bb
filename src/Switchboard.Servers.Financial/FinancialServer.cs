using Switchboard.Registry;
using Switchboard.Servers.Financial.MarketData;
using Switchboard.Servers.Financial.Tools;
using Switchboard.Tools;

namespace Switchboard.Servers.Financial;

/// <summary>
/// The built-in <c>financial</c> server: spreadsheet-compatible time value of money, cash flows, depreciation,
/// bonds, return-series statistics, Black–Scholes–Merton options and currency conversion. Every tool is a pure,
/// read-only calculation with no network access; see <c>docs/servers/financial.md</c>.
/// </summary>
public static class FinancialServer
{
    /// <summary>The server's registry name.</summary>
    public const string Name = "financial";

    /// <summary>Creates the catalog with no market data: every rate comes from the caller.</summary>
    public static McpServerCatalog CreateCatalog() => CreateCatalog(marketData: null);

    /// <summary>Creates the catalog; <paramref name="marketData"/>, when given, supplies exchange rates the caller leaves out.</summary>
    public static McpServerCatalog CreateCatalog(IMarketDataProvider? marketData)
    {
        var catalog = new McpServerCatalog(Name, "Financial math that matches spreadsheet functions: loans, NPV/IRR/XIRR, depreciation, bonds, portfolio risk, options and currency conversion. No live market data.")
        {
            SelfContained = true,
        };
        catalog
            .AddPrimitivesFrom(typeof(TimeValueTools), target: null)
            .AddPrimitivesFrom(typeof(CashFlowTools), target: null)
            .AddPrimitivesFrom(typeof(DepreciationTools), target: null)
            .AddPrimitivesFrom(typeof(BondTools), target: null)
            .AddPrimitivesFrom(typeof(PortfolioTools), target: null)
            .AddPrimitivesFrom(typeof(OptionTools), target: null)
            .AddPrimitivesFrom(new CurrencyTools(marketData))
            .WithArgumentChecks();
        return catalog;
    }
}
