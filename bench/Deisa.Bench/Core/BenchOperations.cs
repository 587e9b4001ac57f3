using Deisa.Core.Graph;

namespace Deisa.Bench.Core;

/// <summary>The trivial operations the benchmarks run, in their own registry.</summary>
internal static class BenchOperations
{
    public static OperationRegistry Registry { get; } = Create();

    public static Operation Inc { get; } = Registry.Get("inc");

    public static Operation Add { get; } = Registry.Get("add");

    private static OperationRegistry Create()
    {
        var registry = new OperationRegistry();
        registry.Register<long, long>("inc", static x => x + 1);
        registry.Register<long, long, long>("add", static (a, b) => unchecked(a + b));
        return registry;
    }
}
