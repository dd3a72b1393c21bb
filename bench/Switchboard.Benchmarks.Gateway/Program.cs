using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Switchboard.Benchmarks.Gateway -- --filter '*' --job short
BenchmarkSwitcher.FromAssembly(typeof(Switchboard.Benchmarks.Gateway.ToolCallOverheadBenchmarks).Assembly).Run(args);
