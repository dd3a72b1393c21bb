using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Switchboard.Gateway.Diagnostics;

namespace Switchboard.Gateway.Telemetry;

/// <summary>
/// The <c>switchboard.tls.certificate.expiry</c> gauge: the notAfter (Unix seconds) of each certificate file Kestrel
/// serves on an HTTPS endpoint (<c>Kestrel:Endpoints:NAME:Certificate</c>, their <c>Sni</c> certificates, and
/// <c>Kestrel:Certificates:Default</c> for HTTPS URLs without one of their own), labelled by subject. The files are
/// read again at most once per <see cref="RefreshInterval"/>, so a renewal written to disk (a cert-manager Secret
/// update) shows within a minute of the next scrape, without a read per scrape. Certificates from a store are not
/// covered.
/// </summary>
public sealed class TlsCertificateExpiry(IConfiguration configuration, TimeProvider time) : IHostedService
{
    /// <summary>How long the notAfter read from the files is reused.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(1);

    private static readonly ConcurrentDictionary<TlsCertificateExpiry, byte> Hosts = new();

    private static readonly ObservableGauge<double> Expiry = GatewayDiagnostics.Meter.CreateObservableGauge(
        "switchboard.tls.certificate.expiry", () => Hosts.Keys.SelectMany(h => h.Observe()), unit: "s",
        description: "When each certificate Kestrel serves expires (its notAfter), as Unix time in seconds.");

    private readonly Lock _lock = new();
    private IReadOnlyList<Measurement<double>> _measurements = [];
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (ServedCertificateFiles().Any())
        {
            Hosts.TryAdd(this, 0);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        Hosts.TryRemove(this, out _);
        return Task.CompletedTask;
    }

    /// <summary>The certificate files HTTPS endpoints serve, as configured: (path, PFX password or null).</summary>
    internal IEnumerable<(string Path, string? Password)> ServedCertificateFiles()
    {
        var kestrel = configuration.GetSection("Kestrel");
        bool defaultServed = (configuration["urls"] ?? string.Empty).Split(';').Any(IsHttps);
        foreach (var endpoint in kestrel.GetSection("Endpoints").GetChildren())
        {
            if (!IsHttps(endpoint["Url"]))
            {
                continue;
            }

            var own = endpoint.GetSection("Certificate");
            var sni = endpoint.GetSection("Sni").GetChildren().Select(s => s.GetSection("Certificate")).Where(c => c["Path"] is not null).ToList();
            if (own["Path"] is null && sni.Count == 0)
            {
                defaultServed = true;
            }

            foreach (var certificate in sni.Prepend(own).Where(c => c["Path"] is not null))
            {
                yield return (certificate["Path"]!, certificate["Password"]);
            }
        }

        var fallback = kestrel.GetSection("Certificates:Default");
        if (defaultServed && fallback["Path"] is { } path)
        {
            yield return (path, fallback["Password"]);
        }
    }

    private IReadOnlyList<Measurement<double>> Observe()
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (now - _readAt >= RefreshInterval)
            {
                _measurements = Read();
                _readAt = now;
            }

            return _measurements;
        }
    }

    // One series per subject: two endpoints serving one certificate are one certificate to renew.
    private List<Measurement<double>> Read()
    {
        var notAfter = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var file in ServedCertificateFiles().Distinct())
        {
            using var certificate = Load(file);
            if (certificate is not null)
            {
                long expires = new DateTimeOffset(certificate.NotAfter.ToUniversalTime()).ToUnixTimeSeconds();
                notAfter[certificate.Subject] = Math.Min(expires, notAfter.GetValueOrDefault(certificate.Subject, long.MaxValue));
            }
        }

        return [.. notAfter.Select(c => new Measurement<double>(c.Value, new KeyValuePair<string, object?>("certificate", c.Key)))];
    }

    // A file that cannot be read has no series (Kestrel refuses to start with it; a broken renewal shows as the
    // series going missing, which absent() can alert on).
    private static X509Certificate2? Load((string Path, string? Password) file)
    {
        try
        {
            return Path.GetExtension(file.Path).ToUpperInvariant() is ".PFX" or ".P12"
                ? X509CertificateLoader.LoadPkcs12FromFile(file.Path, file.Password)
                : X509Certificate2.CreateFromPem(File.ReadAllText(file.Path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            return null;
        }
    }

    private static bool IsHttps(string? url) => url?.Trim().StartsWith("https://", StringComparison.OrdinalIgnoreCase) == true;
}
