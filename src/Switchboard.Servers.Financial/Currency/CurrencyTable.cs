using System.Collections.Frozen;

namespace Switchboard.Servers.Financial.Currency;

/// <summary>
/// ISO 4217 active currency codes and their minor units (digits after the decimal point), from the ISO 4217
/// maintenance agency's list one (SIX, amendment 179, 2025). Codes whose minor unit the standard gives as "N.A."
/// (precious metals, SDR, test and no-currency codes) map to <see langword="null"/>: amounts in them are not rounded.
/// </summary>
public static class CurrencyTable
{
    private const string Zero = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF";
    private const string Three = "BHD IQD JOD KWD LYD OMR TND";
    private const string Four = "CLF UYW";
    private const string NotApplicable = "XAG XAU XBA XBB XBC XBD XDR XPD XPT XSU XTS XUA XXX";
    private const string Two =
        "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW " +
        "CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS " +
        "INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN " +
        "NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC " +
        "SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG";

    private static readonly FrozenDictionary<string, int?> MinorUnitsByCode = Build();

    /// <summary>Every code in the table.</summary>
    public static IEnumerable<string> Codes => MinorUnitsByCode.Keys;

    /// <summary>Looks up a currency's minor units; <paramref name="minorUnits"/> is null for codes without one.</summary>
    public static bool TryGetMinorUnits(string code, out int? minorUnits) =>
        MinorUnitsByCode.TryGetValue(code ?? string.Empty, out minorUnits);

    /// <summary>The minor units of <paramref name="code"/> (case-insensitive), or a tool error naming the problem.</summary>
    public static int? GetMinorUnits(string code, string parameter)
    {
        if (string.IsNullOrWhiteSpace(code) || !TryGetMinorUnits(code.Trim().ToUpperInvariant(), out int? minorUnits))
        {
            FinancialException.Throw($"'{parameter}' must be an active ISO 4217 alphabetic code such as USD, EUR, JPY or KWD; got '{code}'.");
            return null;
        }

        return minorUnits;
    }

    private static FrozenDictionary<string, int?> Build()
    {
        var table = new Dictionary<string, int?>(StringComparer.Ordinal);
        void Add(string codes, int? units)
        {
            foreach (string code in codes.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                table.Add(code, units);
            }
        }

        Add(Zero, 0);
        Add(Two, 2);
        Add(Three, 3);
        Add(Four, 4);
        Add(NotApplicable, null);
        return table.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
