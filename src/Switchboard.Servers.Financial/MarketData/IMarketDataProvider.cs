namespace Switchboard.Servers.Financial.MarketData;

/// <summary>
/// The seam for live or stored market data. None ships: the server runs with no network access, and every tool
/// takes its rates and prices from the caller. A host that has a licensed source implements this and passes it to
/// <see cref="FinancialServer.CreateCatalog(IMarketDataProvider?)"/>; tools then fall back to it when the caller
/// leaves a rate out.
/// </summary>
public interface IMarketDataProvider
{
    /// <summary>Units of <paramref name="quoteCurrency"/> one unit of <paramref name="baseCurrency"/> buys, or null when the provider has no quote.</summary>
    ValueTask<MarketQuote?> GetExchangeRateAsync(string baseCurrency, string quoteCurrency, CancellationToken cancellationToken = default);
}

/// <summary>A quoted value and when and where it was observed, so a tool can tell the model how fresh it is.</summary>
/// <param name="Value">The rate or price.</param>
/// <param name="AsOf">When the quote was observed.</param>
/// <param name="Source">Who quoted it.</param>
public sealed record MarketQuote(decimal Value, DateTimeOffset AsOf, string Source);
