using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Switchboard.Gateway.Tests.Cli;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Telemetry;

/// <summary>
/// The published gateway serving HTTPS with real self-signed certificates, one the default (PEM, for an endpoint
/// without its own) and one an endpoint's own (PFX): <c>/metrics</c> reports each one's notAfter, labelled by subject,
/// which is what <c>SwitchboardCertificateExpiringSoon</c> and the storage dashboard read.
/// </summary>
public sealed partial class TlsCertificateMetricsTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly string _directory = Directory.CreateTempSubdirectory("switchboard-tls-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task HttpsEndpoints_WithDefaultAndOwnCertificates_MetricsReportEachNotAfterBySubject()
    {
        var now = DateTimeOffset.UtcNow;
        using var byDefault = SelfSigned("CN=switchboard-default.test", now.AddDays(10));
        using var own = SelfSigned("CN=switchboard-admin.test", now.AddDays(40));
        string certificatePem = Path.Combine(_directory, "default.crt"), keyPem = Path.Combine(_directory, "default.key"), pfx = Path.Combine(_directory, "admin.pfx");
        await File.WriteAllTextAsync(certificatePem, byDefault.ExportCertificatePem(), Ct);
        using (var key = byDefault.GetRSAPrivateKey()!)
        {
            await File.WriteAllTextAsync(keyPem, key.ExportPkcs8PrivateKeyPem(), Ct);
        }

        await File.WriteAllBytesAsync(pfx, own.Export(X509ContentType.Pfx, "pfx-secret"), Ct);
        int httpsPort = LoopbackPort.Next(), adminPort = LoopbackPort.Next(), managementPort = LoopbackPort.Next();

        await using var gateway = await GatewayProcess.StartCommandAsync(url =>
            [
                "serve",
                $"--Kestrel:Endpoints:Http:Url={url}",
                $"--Kestrel:Endpoints:Https:Url=https://127.0.0.1:{httpsPort}",
                $"--Kestrel:Endpoints:Admin:Url=https://127.0.0.1:{adminPort}",
                $"--Kestrel:Endpoints:Admin:Certificate:Path={pfx}",
                "--Kestrel:Endpoints:Admin:Certificate:Password=pfx-secret",
                $"--Kestrel:Certificates:Default:Path={certificatePem}",
                $"--Kestrel:Certificates:Default:KeyPath={keyPem}",
                $"--Management:Urls=http://127.0.0.1:{managementPort}",
                $"--Storage:DataDirectory={Path.Combine(_directory, "data")}",
            ],
            _directory,
            Timeout);

        // Kestrel really serves them: each TLS handshake presents the file's certificate.
        Assert.Equal(byDefault.Thumbprint, await ServedThumbprintAsync(httpsPort));
        Assert.Equal(own.Thumbprint, await ServedThumbprintAsync(adminPort));

        using var http = new HttpClient();
        string metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{managementPort}/metrics"), Ct);
        var expiry = ExpirySeries().Matches(metrics).ToDictionary(m => m.Groups["subject"].Value, m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));
        Assert.True(expiry.Count == 2, $"Expected two certificate series:{Environment.NewLine}{string.Join(Environment.NewLine, metrics.Split('\n').Where(l => l.Contains("tls", StringComparison.Ordinal)))}");
        Assert.Equal(byDefault.NotAfter.ToUniversalTime(), DateTimeOffset.FromUnixTimeSeconds((long)expiry["CN=switchboard-default.test"]).UtcDateTime);
        Assert.Equal(own.NotAfter.ToUniversalTime(), DateTimeOffset.FromUnixTimeSeconds((long)expiry["CN=switchboard-admin.test"]).UtcDateTime);
        Assert.DoesNotContain("pfx-secret", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlainHttp_NoCertificateSeries()
    {
        int managementPort = LoopbackPort.Next();
        await using var gateway = await GatewayProcess.StartAsync(
            [$"--Management:Urls=http://127.0.0.1:{managementPort}", $"--Storage:DataDirectory={Path.Combine(_directory, "data")}"], _directory, Timeout);

        using var http = new HttpClient();
        string metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{managementPort}/metrics"), Ct);
        Assert.Empty(ExpirySeries().Matches(metrics));
    }

    private static X509Certificate2 SelfSigned(string subject, DateTimeOffset notAfter)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        // Whole seconds: the metric is Unix seconds.
        var end = DateTimeOffset.FromUnixTimeSeconds(notAfter.ToUnixTimeSeconds());
        return request.CreateSelfSigned(end.AddDays(-20), end);
    }

    private static async Task<string> ServedThumbprintAsync(int port)
    {
        string? thumbprint = null;
        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                // The test pins what it expects by thumbprint instead of trusting a chain.
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    thumbprint = certificate is null ? null : new X509Certificate2(certificate).Thumbprint;
                    return true;
                },
            },
        };
        using var http = new HttpClient(handler);
        using var response = await http.GetAsync(new Uri($"https://127.0.0.1:{port}/healthz/live"), Ct);
        return thumbprint ?? throw new InvalidOperationException($"No certificate was presented on port {port}.");
    }

    [GeneratedRegex("""^switchboard_tls_certificate_expiry_seconds\{[^}]*certificate="(?<subject>[^"]*)"[^}]*\} (?<value>[0-9.e+]+)""", RegexOptions.Multiline)]
    private static partial Regex ExpirySeries();
}
