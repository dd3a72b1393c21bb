using System.ComponentModel;
using ModelContextProtocol;
using ModelContextProtocol.Server;
using Switchboard.Servers.Financial.Currency;
using Switchboard.Servers.Financial.MarketData;

namespace Switchboard.Servers.Financial.Tools;

/// <summary>An amount rounded to its currency's minor unit.</summary>
/// <param name="Amount">The rounded amount.</param>
/// <param name="Currency">ISO 4217 code.</param>
/// <param name="MinorUnits">Decimals of the currency, or null when ISO 4217 defines none (then the amount is unrounded).</param>
public sealed record RoundedAmount(decimal Amount, string Currency, int? MinorUnits);

/// <summary>Currency conversion at caller-supplied rates, with ISO 4217 minor-unit rounding.</summary>
[McpServerToolType]
internal sealed class CurrencyTools(IMarketDataProvider? marketData)
{
    private const string RoundingDoc = "'half_away_from_zero' (default, commercial rounding), 'half_even' (banker's) or 'toward_zero' (truncate).";

    [McpServerTool(Name = "currency_convert", Title = "Convert currency", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Converts an amount between currencies at the rate you supply, in exact decimal arithmetic, and rounds once to the target currency's ISO 4217 minor unit (2 decimals for USD/EUR, 0 for JPY/KRW, 3 for KWD/BHD). This server has no live exchange rates: give the rate from a source you trust. rate = units of 'to' per 1 unit of 'from' (EUR→USD at 1.0850 means 1 EUR = 1.0850 USD).")]
    public async Task<ConversionResult> ConvertAsync(
        [Description("Amount in the source currency, in major units (12.34 for $12.34).")] decimal amount,
        [Description("ISO 4217 code of the source currency, e.g. EUR.")] string from,
        [Description("ISO 4217 code of the target currency, e.g. USD.")] string to,
        [Description("Units of 'to' per 1 unit of 'from'; greater than 0. Required unless the host has configured a market-data provider.")] decimal? rate = null,
        [Description(RoundingDoc)] RoundingMode rounding = RoundingMode.HalfAwayFromZero,
        CancellationToken cancellationToken = default)
    {
        decimal effectiveRate;
        if (rate is decimal given)
        {
            effectiveRate = given;
        }
        else if (string.Equals(from?.Trim(), to?.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            effectiveRate = 1;
        }
        else
        {
            var quote = marketData is null || from is null || to is null
                ? null
                : await marketData.GetExchangeRateAsync(from.Trim().ToUpperInvariant(), to.Trim().ToUpperInvariant(), cancellationToken);
            effectiveRate = quote?.Value ?? throw new McpException(
                $"No exchange rate given and none is available from a market-data provider: pass 'rate' as the number of {to} units one {from} buys.");
        }

        return ToolGuard.Run(() => CurrencyMath.Convert(amount, from!, to!, effectiveRate, rounding));
    }

    [McpServerTool(Name = "currency_round", Title = "Round to a currency's minor unit", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Rounds an amount to its currency's ISO 4217 minor unit (2 decimals for USD, 0 for JPY, 3 for KWD, 4 for CLF) and reports the minor units. Exact decimal arithmetic.")]
    public static RoundedAmount Round(
        [Description("Amount in major units.")] decimal amount,
        [Description("ISO 4217 alphabetic code, e.g. JPY.")] string currency,
        [Description(RoundingDoc)] RoundingMode rounding = RoundingMode.HalfAwayFromZero) =>
        ToolGuard.Run(() =>
        {
            var (rounded, minorUnits) = CurrencyMath.Round(amount, currency, rounding);
            return new RoundedAmount(rounded, currency.Trim().ToUpperInvariant(), minorUnits);
        });
}
