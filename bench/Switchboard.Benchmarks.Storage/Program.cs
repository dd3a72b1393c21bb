using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Switchboard.Benchmarks.Storage -- --filter '*' --job short
// dotnet run -c Release --project bench/Switchboard.Benchmarks.Storage -- queue <admin connection string> [jobs]
if (args is ["queue", var postgres, ..])
{
    return await Switchboard.Benchmarks.Storage.QueueThroughput.RunAsync(postgres, args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 20_000);
}

BenchmarkSwitcher.FromAssembly(typeof(Switchboard.Benchmarks.Storage.ApiKeyLookupBenchmarks).Assembly).Run(args);
return 0;
