using Deisa.Core.Graph;

namespace Deisa.Tests;

/// <summary>Operations registered once for every test, in their own registry.</summary>
public static class TestOperations
{
    public static OperationRegistry Registry { get; } = Create();

    public static Operation Inc => Registry.Get("inc");

    public static Operation Add => Registry.Get("add");

    public static Operation Mul => Registry.Get("mul");

    public static Operation Sum => Registry.Get("sum");

    public static Operation Fail => Registry.Get("fail");

    public static Operation Sleep => Registry.Get("sleep");

    public static Operation Const => Registry.Get("const");

    public static Operation Mix => Registry.Get("mix");

    public static Operation ArraySum => Registry.Get("array-sum");

    /// <summary>Gets an operation that sums a double array after sleeping 15 ms: analytics slower than the producer.</summary>
    public static Operation SlowArraySum => Registry.Get("slow-array-sum");

    /// <summary>Gets an operation that adds two doubles.</summary>
    public static Operation AddDoubles => Registry.Get("add-doubles");

    public static Operation MixOrFail => Registry.Get("mix-or-fail");

    /// <summary>What <see cref="Mix"/> and <see cref="MixOrFail"/> compute, for sequential reference evaluation.</summary>
    public static long MixValue(long salt, IEnumerable<long> inputs)
    {
        long h = salt;
        foreach (long input in inputs)
        {
            h = unchecked((h * 1_000_003) ^ input);
        }

        return h;
    }

    private static long MixItems(long salt, ReadOnlySpan<object?> items)
    {
        long[] inputs = new long[items.Length];
        for (int i = 0; i < items.Length; i++)
        {
            inputs[i] = (long)items[i]!;
        }

        return MixValue(salt, inputs);
    }

    private static OperationRegistry Create()
    {
        var registry = new OperationRegistry();
        registry.Register<long, long>("inc", static x => x + 1);
        registry.Register<long, long, long>("add", static (a, b) => unchecked(a + b));
        registry.Register<long, long, long>("mul", static (a, b) => unchecked(a * b));
        registry.Register("sum", static args =>
        {
            long total = 0;
            foreach (object? item in args.GetList(0))
            {
                total = unchecked(total + (long)item!);
            }

            return total;
        }, 1, 1);
        registry.Register<string, long>("fail", static message => throw new InvalidOperationException(message));
        registry.Register<long, long>("sleep", static ms =>
        {
            Thread.Sleep((int)ms);
            return ms;
        });
        registry.Register<long, long>("const", static x => x);

        // A deterministic mix of a salt and any number of inputs, so that random graphs catch wrong wiring.
        registry.Register("mix", static args => MixItems(args.GetInt64(0), args.GetList(1)), 2, 2);
        registry.Register("mix-or-fail", static args =>
        {
            if (args.Get<bool>(2))
            {
                throw new InvalidOperationException($"task {args.Key} fails on purpose");
            }

            return MixItems(args.GetInt64(0), args.GetList(1));
        }, 3, 3);
        registry.Register("array-sum", static args =>
        {
            double total = 0;
            foreach (double x in args.GetSpan<double>(0))
            {
                total += x;
            }

            return total;
        }, 1, 1);
        registry.Register("slow-array-sum", static args =>
        {
            Thread.Sleep(15);
            double total = 0;
            foreach (double x in args.GetSpan<double>(0))
            {
                total += x;
            }

            return total;
        }, 1, 1);
        registry.Register<double, double, double>("add-doubles", static (a, b) => a + b);
        return registry;
    }
}
