using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Switchboard.Benchmarks.Storage -- --filter '*' --job short
BenchmarkSwitcher.FromAssembly(typeof(Switchboard.Benchmarks.Storage.ApiKeyLookupBenchmarks).Assembly).Run(args);
