using CsCheck;
using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Core.Graph;

namespace Deisa.Tests.Arrays;

/// <summary>
/// Random expressions over many steps, built a window of steps at a time, give the same bits as built all at once:
/// the window decides when tasks are built, never what they compute. Reductions over time and folds build the same
/// trees whether their inputs come a step at a time or at once, so even the rounding is the same.
/// </summary>
public sealed class WindowProperties
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    // Windows of one to a few steps move at almost every arrival; int.MaxValue checks the eager path against itself
    // (other worker counts, other arrival orders).
    private static readonly Gen<int> s_lookahead = Gen.OneOf(Gen.Const(1), Gen.Const(2), Gen.Const(3), Gen.Int[1, 10], Gen.Const(int.MaxValue));

    [Fact]
    public void WindowedAndEager_RandomExpressionsOverTime_SameBits()
    {
        Gen.Select(Gen.Int[1, 40], Gen.Int[1, 2], Gen.Int, Gen.Int[0, 3], s_lookahead, Gen.Bool, Gen.Bool).Sample(
            (steps, spatial, seed, operations, lookahead, stepByStep, serialize) => Check(Setup.Draw(steps, spatial, seed, operations, lookahead, stepByStep, serialize)),
            iter: 80,
            threads: 1);
    }

    /// <summary>
    /// A sum over time read through a slice that skips one of its output chunks, found by the property above. The
    /// driver built a tree for every output chunk of the sum, so a window after the contract's validation asked for
    /// blocks of the skipped chunk, which the contract (what the slice reads) never asked for: refused, "Cannot create
    /// ('field', 1, 1)". All at once, the same blocks were created before the validation, so the contract grew and the
    /// simulation shipped them for nothing.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(int.MaxValue)]
    public async Task ReductionOverTime_ReadThroughASliceSkippingAChunk_ReadsOnlyTheSlicesBlocks(int lookahead)
    {
        // [t: 4, X: 6] in blocks of 5 and 1 columns; columns 0, 2 and 4 are all in the first.
        await using ArrayFixture fixture = ArrayFixture.Start([4, 6], 0, [[5, 1]], ["t", "X"], client: new ClientOptions { Lookahead = lookahead });
        DeisaArray field = fixture.Client.GetArrays()["field"];
        using PersistedArray persisted = await field.Sum("t")[Slice.Every(2)].PersistAsync();
        await fixture.Client.ValidateContractAsync();
        await fixture.ShipStepByStepAsync();

        NdArray expected = Dense.Slice(Dense.Reduce(fixture.Dense(), Reduction.Sum, [true, false]), [(0, 3, 2, false)]);
        Dense.AssertClose(expected, await persisted.GetResultAsync().WaitAsync(s_timeout));
        Assert.Equal([.. Enumerable.Range(0, 4).Select(t => new TaskKey("field", t, 0))], fixture.KeysShipped.Order());
    }

    /// <summary>
    /// The trees of a reduction over time are those of the chunks its readers read: a second array, persisted once the
    /// first one's window took step 0, reads every chunk, and the trees it adds take step 0 too.
    /// </summary>
    [Fact]
    public async Task ReductionOverTime_ALaterArrayReadsMoreChunks_TheirTreesTakeTheStepsAlreadyTaken()
    {
        await using ArrayFixture fixture = ArrayFixture.Start([4, 6], 0, [[5, 1]], ["t", "X"], client: new ClientOptions { Lookahead = 1 });
        DeisaArray sum = fixture.Client.GetArrays()["field"].Sum("t");
        using PersistedArray some = await sum[Slice.Every(2)].PersistAsync();
        using PersistedArray all = await sum.PersistAsync();
        await fixture.Client.ValidateContractAsync();
        await fixture.ShipStepByStepAsync();

        NdArray expected = Dense.Reduce(fixture.Dense(), Reduction.Sum, [true, false]);
        Dense.AssertClose(expected, await all.GetResultAsync().WaitAsync(s_timeout));
        Dense.AssertClose(Dense.Slice(expected, [(0, 3, 2, false)]), await some.GetResultAsync().WaitAsync(s_timeout));
    }

    private static void Check(Setup setup)
    {
        string what = setup.ToString();
        try
        {
            Outcome windowed = Run(setup, setup.WindowedWorkers, setup.Lookahead, setup.StepByStep, expression => what = $"{setup}; {expression}");
            Outcome eager = Run(setup, setup.EagerWorkers, int.MaxValue, stepByStep: false, _ => { });

            AssertSameBits(eager.Result, windowed.Result, "the array");
            Dense.AssertClose(windowed.Dense, windowed.Result, 1e-8);
            if (windowed.Fold is { } fold)
            {
                AssertSameBits(new NdArray([], [eager.Fold!.Value]), new NdArray([], [fold]), "the fold");
                Assert.True(Math.Abs(fold - windowed.FoldDense) <= 1e-8 * Math.Max(1, Math.Abs(windowed.FoldDense)), $"The fold gave {fold}, its dense reference {windowed.FoldDense}.");
            }
        }
        catch (Exception error)
        {
            throw new Xunit.Sdk.XunitException($"{what}{Environment.NewLine}{error.Message}", error);
        }
    }

    /// <summary>
    /// Persists the case's expression, and a fold over it while it has a time dimension, in a runtime of its own; ships;
    /// collects. <paramref name="described"/> takes the expression's text once it is built, for a failure's message.
    /// </summary>
    private static Outcome Run(Setup setup, int workers, int lookahead, bool stepByStep, Action<string> described)
    {
        ArrayFixture fixture = setup.Layout.Start(workers, setup.Serialize, new ClientOptions { Lookahead = lookahead });
        try
        {
            Expression expression = Build(setup, fixture.Client.GetArrays()["field"], fixture.Dense());
            described($"{expression.Array}{(expression.Folded is { } f ? $", a {(setup.Chain ? "chain" : "tree")} fold over {f}" : string.Empty)}");
            using PersistedArray persisted = expression.Array.Persist();
            using PersistedValue? fold = expression.Folded is { } folded ? Fold(folded, setup.Chain) : null;
            fixture.Client.ValidateContract();
            // Every wait of the shipping has a timeout of its own, whose message says what never came.
            (stepByStep ? fixture.ShipStepByStepAsync() : fixture.ShipAsync()).GetAwaiter().GetResult();
            NdArray result = persisted.Result(s_timeout);
            double? value = fold is null ? null : (double)fold.Result(s_timeout)!;
            return new Outcome(expression.Dense, result, value, expression.FoldDense);
        }
        finally
        {
            fixture.DisposeAsync().AsTask().Wait(s_timeout);
        }
    }

    /// <summary>
    /// The case's expression, drawn again from its seed for each runtime: a slice that keeps time, operations, half of
    /// them along time while there is one, and in two cases of three a reduction or difference along time to end.
    /// </summary>
    private static Expression Build(Setup setup, DeisaArray field, NdArray all)
    {
        var random = new Random(setup.ExpressionSeed);
        (DeisaArray array, NdArray dense) = RandomArrays.Select(random, field, all, keep: field.TimeDimension);
        for (int o = 0; o < setup.Operations && dense.Rank > 0; o++)
        {
            int axis = array.TimeDimension >= 0 && random.Next(2) == 0 ? array.TimeDimension : random.Next(dense.Rank);
            (array, dense) = RandomArrays.Apply(random, array, dense, axis, (RandomArrays.Family)random.Next(RandomArrays.FamilyCount));
        }

        DeisaArray? folded = array.TimeDimension >= 0 ? array : null;
        double foldDense = folded is null ? 0 : FoldReference(folded, dense, setup.Chain);
        if (array.TimeDimension >= 0 && random.Next(3) != 0)
        {
            (array, dense) = RandomArrays.Apply(random, array, dense, array.TimeDimension, random.Next(2) == 0 ? RandomArrays.Family.Reduce : RandomArrays.Family.Diff);
        }

        return new Expression(array, dense, folded, foldDense);
    }

    /// <summary>A fold over the array's time chunks with <see cref="TestOperations.FoldStep"/>, its value read through a finishing task.</summary>
    private static PersistedValue Fold(DeisaArray array, bool chain)
    {
        TaskArg Lengths(FoldStep step) => TaskArg.FromInt64Array([.. step.Chunks.Select(c => Enumerable.Range(0, array.Rank).Aggregate(1L, (n, d) => n * array.ChunksOf(d)[c[d]]))]);
        TimeFold fold = chain
            ? TimeFold.Chain(array, "fold", (step, previous) => TaskSpec.Create(TestOperations.FoldStep, previous, TaskArg.FromKeys(step.Keys), Lengths(step)))
            : TimeFold.Tree(array, "fold", step => TaskSpec.Create(TestOperations.FoldStep, TaskArg.Null, TaskArg.FromKeys(step.Keys), Lengths(step)), (left, right) => TaskSpec.Create(TestOperations.FoldMerge, left, right));
        var output = new TaskKey("fold-value");
        return Assert.Single(fold.Persist(
            result =>
            {
                // Adding 0 leaves the bits of any value but -0 as they are.
                var graph = new TaskGraph();
                graph.Add(output, TaskSpec.Create(TestOperations.AddDoubles, result, 0.0));
                return graph;
            },
            [output]));
    }

    /// <summary>What the fold computes, from the dense values: per time chunk the sum of its elements, chained or merged pairwise level by level, an odd last one carried up.</summary>
    private static double FoldReference(DeisaArray array, NdArray dense, bool chain)
    {
        int time = array.TimeDimension;
        ChunkAxis axis = array.ChunksOf(time);
        double[] sums = new double[axis.Count];
        int i = 0;
        foreach (int[] position in Dense.Positions(dense.Shape))
        {
            sums[axis.ChunkAt(position[time])] += dense.Data[i++];
        }

        if (chain)
        {
            return sums.Aggregate(0.0, TestOperations.FoldValue);
        }

        List<double> level = [.. sums.Select(s => TestOperations.FoldValue(0, s))];
        while (level.Count > 1)
        {
            level = [.. Enumerable.Range(0, (level.Count + 1) / 2).Select(p => (2 * p) + 1 < level.Count ? TestOperations.FoldValue(level[2 * p], level[(2 * p) + 1]) : level[2 * p])];
        }

        return level[0];
    }

    /// <summary>Asserts two results are the same doubles, bit for bit; any NaN equals any NaN.</summary>
    private static void AssertSameBits(NdArray eager, NdArray windowed, string what)
    {
        Assert.Equal(eager.Shape, windowed.Shape);
        for (int i = 0; i < eager.Length; i++)
        {
            double e = eager.Data[i];
            double w = windowed.Data[i];
            Assert.True(
                (double.IsNaN(e) && double.IsNaN(w)) || BitConverter.DoubleToInt64Bits(e) == BitConverter.DoubleToInt64Bits(w),
                $"Element {i} of {what}: eager {e:R} (0x{BitConverter.DoubleToInt64Bits(e):X16}), windowed {w:R} (0x{BitConverter.DoubleToInt64Bits(w):X16}).");
        }
    }

    /// <summary>One case: what the generator drew, and what its seed draws (the array's layout, worker counts, the expression's seed, the kind of fold).</summary>
    private sealed record Setup(RandomArrays.Layout Layout, int Operations, int Lookahead, bool StepByStep, bool Serialize, int WindowedWorkers, int EagerWorkers, int ExpressionSeed, bool Chain)
    {
        public static Setup Draw(int steps, int spatial, int seed, int operations, int lookahead, bool stepByStep, bool serialize)
        {
            var random = new Random(seed);
            return new Setup(RandomArrays.NewLayout(random, steps, spatial), operations, lookahead, stepByStep, serialize, random.Next(1, 4), random.Next(1, 4), random.Next(), random.Next(2) == 0);
        }

        public override string ToString() =>
            $"{Layout}; lookahead {(Lookahead == int.MaxValue ? "int.MaxValue" : Lookahead)}, shipped {(StepByStep ? "step by step" : "producer by producer")}, " +
            $"{WindowedWorkers} worker(s) windowed, {EagerWorkers} eager{(Serialize ? ", serialized" : string.Empty)}";
    }

    private sealed record Expression(DeisaArray Array, NdArray Dense, DeisaArray? Folded, double FoldDense);

    private sealed record Outcome(NdArray Dense, NdArray Result, double? Fold, double FoldDense);
}
