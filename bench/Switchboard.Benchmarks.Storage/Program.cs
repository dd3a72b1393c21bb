using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Switchboard.Benchmarks.Storage -- --filter '*' --job short
// dotnet run -c Release --project bench/Switchboard.Benchmarks.Storage -- queue <admin connection string> [jobs]
// dotnet run -c Release --project bench/Switchboard.Benchmarks.Storage -- audit [callers] [seconds] [actors (default: one per caller)]
if (args is ["queue", var postgres, ..])
{
    return await Switchboard.Benchmarks.Storage.QueueThroughput.RunAsync(postgres, args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 20_000);
}

if (args is ["audit", ..])
{
    return await Switchboard.Benchmarks.Storage.AuditAppendLoad.RunAsync(
        args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 64,
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10,
        args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : int.MaxValue);
}

BenchmarkSwitcher.FromAssembly(typeof(Switchboard.Benchmarks.Storage.ApiKeyLookupBenchmarks).Assembly).Run(args);
return 0;
