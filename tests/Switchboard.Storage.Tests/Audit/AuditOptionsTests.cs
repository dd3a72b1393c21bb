using Switchboard.Storage.Audit;

namespace Switchboard.Storage.Tests.Audit;

public sealed class AuditOptionsTests
{
    [Fact]
    public void Defaults_AreValid_CaptureOff_KeepForever()
    {
        var options = new AuditOptions();

        var result = new AuditOptionsValidator().Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.False(options.CaptureArguments);
        Assert.Equal(0, options.RetentionDays);
    }

    [Fact]
    public void BadValues_EachSayWhatToChange()
    {
        var options = new AuditOptions { MaxArgumentBytes = 10, RetentionDays = -5, PruneInterval = TimeSpan.Zero, PruneBatchSize = 0 };
        options.RedactedNames.Add("--");

        var result = new AuditOptionsValidator().Validate(null, options);

        Assert.Equal(
            [
                "Audit:MaxArgumentBytes is 10; set it between 256 and 1048576 bytes.",
                "Audit:RetentionDays is -5; set a number of days between 1 and 36500, or 0 to keep every event.",
                "Audit:PruneInterval is 00:00:00; set it between 00:00:01 and 1.00:00:00 (e.g. 01:00:00 for hourly).",
                "Audit:PruneBatchSize is 0; set it between 1 and 100000 events.",
                "Audit:RedactedNames contains '--', which has no letters or digits; list property names such as 'ssn' or 'iban'.",
            ],
            result.Failures);
    }
}
