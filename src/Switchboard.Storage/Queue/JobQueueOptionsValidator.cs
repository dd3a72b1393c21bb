using Microsoft.Extensions.Options;

namespace Switchboard.Storage.Queue;

/// <summary>Checks <see cref="JobQueueOptions"/> at start, saying what to change.</summary>
internal sealed class JobQueueOptionsValidator : IValidateOptions<JobQueueOptions>
{
    public ValidateOptionsResult Validate(string? name, JobQueueOptions options)
    {
        var failures = new List<string>();
        if (options.Concurrency is < 1 or > 1024)
        {
            failures.Add($"Queue:Concurrency is {options.Concurrency}; set it between 1 and 1024 (jobs one worker runs at once).");
        }

        if (options.MaxAttempts is < 1 or > 100)
        {
            failures.Add($"Queue:MaxAttempts is {options.MaxAttempts}; set it between 1 and 100.");
        }

        if (options.LeaseDuration < TimeSpan.FromSeconds(1))
        {
            failures.Add($"Queue:LeaseDuration is {options.LeaseDuration}; set it to 00:00:01 or more (00:00:30 by default).");
        }

        if (options.HeartbeatInterval <= TimeSpan.Zero || options.HeartbeatInterval * 2 > options.LeaseDuration)
        {
            failures.Add($"Queue:HeartbeatInterval is {options.HeartbeatInterval}; set it above zero and at most half of Queue:LeaseDuration ({options.LeaseDuration}), so one missed renewal does not lose the lease.");
        }

        foreach (var (setting, value) in new[] { ("PollInterval", options.PollInterval), ("RetryBaseDelay", options.RetryBaseDelay), ("MaxRetryDelay", options.MaxRetryDelay), ("ResultRetention", options.ResultRetention) })
        {
            if (value <= TimeSpan.Zero)
            {
                failures.Add($"Queue:{setting} is {value}; set a positive duration such as 00:00:05.");
            }
        }

        if (options.ShutdownGrace < TimeSpan.Zero)
        {
            failures.Add($"Queue:ShutdownGrace is {options.ShutdownGrace}; set zero or a positive duration.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
