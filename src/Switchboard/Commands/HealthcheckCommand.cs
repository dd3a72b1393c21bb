using System.CommandLine;

namespace Switchboard.Host.Commands;

/// <summary><c>switchboard healthcheck</c>: exit 0 when the gateway answers ready, 1 otherwise (the container HEALTHCHECK).</summary>
internal static class HealthcheckCommand
{
    public static Command Create()
    {
        var url = new Option<string>("--url")
        {
            Description = "The readiness URL to probe.",
            DefaultValueFactory = _ => $"{SwitchboardHost.DefaultUrl}/healthz/ready",
        };
        url.Validators.Add(result =>
        {
            if (!Uri.TryCreate(result.GetValueOrDefault<string>(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                result.AddError("--url must be an absolute http:// or https:// URL, e.g. http://127.0.0.1:8080/healthz/ready.");
            }
        });
        var timeout = new Option<TimeSpan>("--timeout")
        {
            Description = "How long to wait for an answer (e.g. 00:00:05).",
            DefaultValueFactory = _ => TimeSpan.FromSeconds(5),
        };

        var command = new Command("healthcheck", "Probe a running Switchboard: exit 0 if it answers 2xx, 1 otherwise.") { url, timeout };
        command.SetAction(async (result, cancellationToken) =>
        {
            var target = new Uri(result.GetRequiredValue(url));
            using var client = new HttpClient { Timeout = result.GetValue(timeout) };
            try
            {
                using var response = await client.GetAsync(target, cancellationToken);
                Console.WriteLine($"{target}: {(int)response.StatusCode} {response.ReasonPhrase}");
                return response.IsSuccessStatusCode ? 0 : 1;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                await Console.Error.WriteLineAsync($"{target}: unreachable: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
