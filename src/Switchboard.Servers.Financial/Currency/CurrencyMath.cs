namespace Switchboard.Servers.Financial.Currency;

/// <summary>A converted amount.</summary>
/// <param name="Amount">The converted amount, rounded to <paramref name="MinorUnits"/> decimals when the currency has a minor unit.</param>
/// <param name="Currency">ISO 4217 code of <paramref name="Amount"/>.</param>
/// <param name="MinorUnits">Decimals of the target currency, or null when ISO 4217 defines none (metals, SDR).</param>
/// <param name="UnroundedAmount">amount × rate before rounding.</param>
/// <param name="Rate">The rate used: units of the target currency per one unit of the source currency.</param>
public sealed record ConversionResult(decimal Amount, string Currency, int? MinorUnits, decimal UnroundedAmount, decimal Rate);

/// <summary>Currency arithmetic in <see cref="decimal"/>: exact multiplication, then one rounding to the minor unit.</summary>
public static class CurrencyMath
{
    /// <summary>Rounds <paramref name="amount"/> to the minor unit of <paramref name="currency"/>.</summary>
    public static (decimal Amount, int? MinorUnits) Round(decimal amount, string currency, RoundingMode mode = RoundingMode.HalfAwayFromZero)
    {
        int? minorUnits = CurrencyTable.GetMinorUnits(currency, "currency");
        return (minorUnits is int digits ? Round(amount, digits, mode) : amount, minorUnits);
    }

    /// <summary>Converts <paramref name="amount"/> of <paramref name="from"/> at <paramref name="rate"/> units of <paramref name="to"/> per unit of <paramref name="from"/>.</summary>
    public static ConversionResult Convert(decimal amount, string from, string to, decimal rate, RoundingMode mode = RoundingMode.HalfAwayFromZero)
    {
        CurrencyTable.GetMinorUnits(from, "from");
        int? minorUnits = CurrencyTable.GetMinorUnits(to, "to");
        if (rate <= 0)
        {
            FinancialException.Throw($"'rate' must be greater than zero: the number of {to.ToUpperInvariant()} units one {from.ToUpperInvariant()} buys; got {rate}.");
        }

        decimal unrounded;
        try
        {
            unrounded = amount * rate;
        }
        catch (OverflowException)
        {
            FinancialException.Throw("The converted amount exceeds the largest representable decimal (about 7.9e28).");
            throw;
        }

        decimal rounded = minorUnits is int digits ? Round(unrounded, digits, mode) : unrounded;
        return new ConversionResult(rounded, to.Trim().ToUpperInvariant(), minorUnits, unrounded, rate);
    }

    internal static decimal Round(decimal amount, int digits, RoundingMode mode) => mode switch
    {
        RoundingMode.HalfAwayFromZero => Math.Round(amount, digits, MidpointRounding.AwayFromZero),
        RoundingMode.HalfEven => Math.Round(amount, digits, MidpointRounding.ToEven),
        RoundingMode.TowardZero => Math.Round(amount, digits, MidpointRounding.ToZero),
        _ => throw new FinancialException("'rounding' must be half_away_from_zero, half_even or toward_zero."),
    };
}
