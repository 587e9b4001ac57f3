using BenchmarkDotNet.Running;

namespace Deisa.Bench;

/// <summary>Runs the benchmarks chosen on the command line (BenchmarkDotNet switches, e.g. --filter '*Scheduler*').</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
