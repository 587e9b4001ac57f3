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

    /// <summary>Gets a fold's step: half the previous state (none counts as 0) plus the sum of its chunks, given as keys and their lengths.</summary>
    public static Operation FoldStep => Registry.Get("fold-step");

    /// <summary>Gets a fold's merge of two results, earlier first: half the earlier plus the later, so that the tree's shape shows in the value.</summary>
    public static Operation FoldMerge => Registry.Get("fold-merge");

    /// <summary>What <see cref="FoldStep"/> and <see cref="FoldMerge"/> compute, for reference evaluation.</summary>
    public static double FoldValue(double earlier, double later) => (0.5 * earlier) + later;

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
        registry.Register("fold-step", static args =>
        {
            ReadOnlySpan<object?> chunks = args.GetList(1);
            ReadOnlySpan<long> lengths = args.GetInt64Array(2);
            double sum = 0;
            for (int i = 0; i < chunks.Length; i++)
            {
                foreach (double x in Deisa.Core.Arrays.ChunkValues.AsDoubles(chunks[i], (int)lengths[i], $"chunk {i} read by {args.Key}"))
                {
                    sum += x;
                }
            }

            return FoldValue(args.Get<double?>(0) ?? 0, sum);
        }, 3, 3);
        registry.Register<double, double, double>("fold-merge", static (a, b) => FoldValue(a, b));
        return registry;
    }
}
