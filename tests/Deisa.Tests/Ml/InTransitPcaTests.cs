using Deisa.Core.Arrays;
using Deisa.Ml;
using Deisa.Tests.Arrays;

namespace Deisa.Tests.Ml;

/// <summary>Fit over a simulated array in one process: the same results as dense partial fits, and constant memory.</summary>
public sealed class InTransitPcaTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    // [t: 6, Y: 12, X: 9] in 2 × 2 blocks of unequal sizes: each step's batch spans four chunks.
    private static ArrayFixture Start(int steps = 6, bool serialize = false) =>
        ArrayFixture.Start([steps, 12, 9], 0, [[5, 7], [4, 5]], ["t", "Y", "X"], serialize: serialize, value: Structured);

    /// <summary>Three spatial modes in X with pseudo-random amplitudes per (t, Y), a mean and a little noise: a clear spectral gap.</summary>
    private static double Structured(int[] p)
    {
        double value = 3 + (0.01 * Hash(p[0], p[1], p[2] + 100));
        double[] scales = [10, 5, 2];
        for (int i = 0; i < scales.Length; i++)
        {
            value += scales[i] * Hash(p[0], p[1], i) * Math.Cos(Math.PI * (i + 1) * (p[2] + 0.5) / 9);
        }

        return value;
    }

    private static double Hash(int a, int b, int c)
    {
        double s = Math.Sin((a * 12.9898) + (b * 78.233) + (c * 37.719)) * 43758.5453;
        return s - Math.Floor(s) - 0.5;
    }

    /// <summary>Step t of the dense field as a samples × features matrix.</summary>
    private static NdArray Batch(NdArray dense, int t, bool transpose)
    {
        int ny = dense.Shape[1];
        int nx = dense.Shape[2];
        double[] data = new double[ny * nx];
        for (int y = 0; y < ny; y++)
        {
            for (int x = 0; x < nx; x++)
            {
                data[transpose ? (x * ny) + y : (y * nx) + x] = dense[t, y, x];
            }
        }

        return transpose ? new NdArray([nx, ny], data) : new NdArray([ny, nx], data);
    }

    private static async Task ShipAll(ArrayFixture fixture, int steps)
    {
        await fixture.Client.ValidateContractAsync();
        for (int t = 0; t < steps; t++)
        {
            await fixture.ShipStepAsync(t);
        }

        fixture.Finish();
    }

    [Theory]
    [InlineData(SvdSolver.Full, false, false)]
    [InlineData(SvdSolver.LeadingK, false, false)]
    [InlineData(SvdSolver.LeadingK, true, false)]
    [InlineData(SvdSolver.Full, false, true)]
    public async Task Fit_Sequential_SameAsDensePartialFits(SvdSolver solver, bool serialize, bool transpose)
    {
        await using ArrayFixture fixture = Start(serialize: serialize);
        DeisaArray field = fixture.Client.GetArrays()["field"];
        string[] samples = transpose ? ["X"] : ["Y"];
        string[] features = transpose ? ["Y"] : ["X"];
        var pca = new InSituIncrementalPCA(3, svdSolver: solver).Fit(field, ["t", "Y", "X"], samples, features);
        await ShipAll(fixture, 6);

        var dense = new InSituIncrementalPCA(3, svdSolver: solver);
        NdArray all = fixture.Dense();
        for (int t = 0; t < 6; t++)
        {
            dense.PartialFit(Batch(all, t, transpose));
        }

        IncrementalPcaState expected = dense.State!;
        IncrementalPcaState actual = await pca.FittedState.GetResultAsync().WaitAsync(s_timeout);
        PcaAssert.SameState(expected, actual, 1e-12, 1e-12, "in transit vs dense");
        NdArray components = await pca.Components.GetResultAsync();
        NdArray explained = await pca.ExplainedVariance.GetResultAsync();
        NdArray ratio = await pca.ExplainedVarianceRatio.GetResultAsync();
        NdArray singular = await pca.SingularValues.GetResultAsync();
        NdArray mean = await pca.Mean.GetResultAsync();
        NdArray variance = await pca.Var.GetResultAsync();
        double noise = await pca.NoiseVariance.GetResultAsync();
        PcaAssert.Absolute(expected.ComponentValues, components.Data, 1e-12, "components future");
        PcaAssert.Relative(expected.ExplainedVarianceValues, explained.Data, 1e-12, "explained variance future");
        PcaAssert.Relative(expected.ExplainedVarianceRatioValues, ratio.Data, 1e-12, "ratio future");
        PcaAssert.Relative(expected.SingularValueValues, singular.Data, 1e-12, "singular values future");
        PcaAssert.Relative(expected.MeanValues, mean.Data, 1e-12, "mean future");
        PcaAssert.Relative(expected.VarValues, variance.Data, 1e-12, "var future");
        PcaAssert.Relative([expected.NoiseVariance], [noise], 1e-12, "noise future");
        Assert.Equal(6 * (transpose ? 9 : 12), await pca.NSamplesSeen.GetResultAsync());

        // Transform after an in-transit fit uses the fitted state.
        NdArray first = Batch(all, 0, transpose);
        PcaAssert.Absolute(dense.Transform(first).Data, pca.Transform(first).Data, 1e-10, "transform");
    }

    [Fact]
    public async Task Fit_SlicedAndRechunkedArray_BatchesFollowTheView()
    {
        // Every other step, rows 2 to 11, in chunks of three steps and 4 rows: batches cut out of bigger chunks.
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];
        DeisaArray view = field[Slice.Every(2), 2..12, ..].Rechunk("t", 2).Rechunk("Y", 4);
        var pca = new InSituIncrementalPCA(3, svdSolver: SvdSolver.Full).Fit(view, null, ["Y"], ["X"]);
        await ShipAll(fixture, 6);

        var dense = new InSituIncrementalPCA(3, svdSolver: SvdSolver.Full);
        NdArray all = fixture.Dense();
        foreach (int t in (int[])[0, 2, 4])
        {
            NdArray step = Batch(all, t, transpose: false);
            dense.PartialFit(new NdArray([10, 9], step.Data.AsSpan(2 * 9, 10 * 9).ToArray()));
        }

        IncrementalPcaState actual = await pca.FittedState.GetResultAsync().WaitAsync(s_timeout);
        PcaAssert.SameState(dense.State!, actual, 1e-12, 1e-12, "view vs dense");
    }

    [Fact]
    public async Task Fit_OverAnOpenEndedRun_CompletesAtFinish_SameAsDenseFitsOfThePublishedSteps()
    {
        // The run's length is decided by the simulation alone; the window (3 steps) reaches past its end before it is known.
        await using ArrayFixture fixture = ArrayFixture.Start(
            [ArrayDeclaration.OpenEnded, 12, 9], 0, [[5, 7], [4, 5]], ["t", "Y", "X"], value: Structured, client: new Core.Client.ClientOptions { Lookahead = 3 });
        DeisaArray field = fixture.Client.GetArrays()["field"];
        var chain = new InSituIncrementalPCA(3, svdSolver: SvdSolver.Full).Fit(field, null, ["Y"], ["X"]);
        var tree = new InSituIncrementalPCA(3, svdSolver: SvdSolver.Full).Fit(field, null, ["Y"], ["X"], BatchReduction.Tree);
        await fixture.Client.ValidateContractAsync();
        int steps = 7 + Random.Shared.Next(4);
        await fixture.ShipOpenAsync(_ => steps);

        var dense = new InSituIncrementalPCA(3, svdSolver: SvdSolver.Full);
        NdArray all = fixture.Dense(steps);
        for (int t = 0; t < steps; t++)
        {
            dense.PartialFit(Batch(all, t, transpose: false));
        }

        PcaAssert.SameState(dense.State!, await chain.FittedState.GetResultAsync().WaitAsync(s_timeout), 1e-12, 1e-12, "open chain vs dense");
        PcaAssert.SameState(dense.State!, await tree.FittedState.GetResultAsync().WaitAsync(s_timeout), 1e-3, 1e-3, "open tree vs dense");
        Assert.Equal(steps * 12, await chain.NSamplesSeen.GetResultAsync());
    }

    [Fact]
    public async Task Fit_Tree_AgreesWithChain()
    {
        await using ArrayFixture fixture = Start(steps: 7);
        DeisaArray field = fixture.Client.GetArrays()["field"];
        var chain = new InSituIncrementalPCA(3).Fit(field, null, ["Y"], ["X"]);
        var tree = new InSituIncrementalPCA(3).Fit(field, null, ["Y"], ["X"], BatchReduction.Tree);
        await ShipAll(fixture, 7);

        IncrementalPcaState sequential = await chain.FittedState.GetResultAsync().WaitAsync(s_timeout);
        IncrementalPcaState merged = await tree.FittedState.GetResultAsync().WaitAsync(s_timeout);
        PcaAssert.SameState(sequential, merged, 1e-3, 1e-3, "tree vs chain");
    }

    [Fact]
    public async Task Fit_ManySteps_LiveValuesStayConstant()
    {
        const int Steps = 30;
        await using ArrayFixture fixture = Start(steps: Steps);
        DeisaArray field = fixture.Client.GetArrays()["field"];
        var pca = new InSituIncrementalPCA(2).Fit(field, null, ["Y"], ["X"]);
        await fixture.Client.ValidateContractAsync();
        int peak = 0;
        for (int t = 0; t < Steps - 1; t++)
        {
            await fixture.ShipStepAsync(t);

            // Once step t is folded in, only its state remains: the blocks and the previous state are released.
            DateTime deadline = DateTime.UtcNow + s_timeout;
            int live;
            while ((live = fixture.Runtime.GetStoredCounts().Sum()) > 1)
            {
                peak = Math.Max(peak, live);
                Assert.True(DateTime.UtcNow < deadline, $"After step {t}, {live} values are still stored; expected only the running state.");
                await Task.Delay(1);
            }
        }

        await fixture.ShipStepAsync(Steps - 1);
        fixture.Finish();
        Assert.Equal(Steps * 12L, await pca.NSamplesSeen.GetResultAsync().WaitAsync(s_timeout));
        // At worst mid-step: two states, the step's four chunks and a fetched copy of each; never a growing backlog.
        Assert.InRange(peak, 0, 2 + 4 + 4);
    }

    [Fact]
    public async Task Fit_BadAxes_RefusedBeforeAnythingIsSubmitted()
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];
        string Error(Action fit) => Assert.Throws<ArgumentException>(fit).Message;

        Assert.Contains("the array has 3", Error(() => new InSituIncrementalPCA(2).Fit(field, ["t", "X"], ["X"], ["t"])), StringComparison.Ordinal);
        Assert.Contains("'Z' is not one of", Error(() => new InSituIncrementalPCA(2).Fit(field, null, ["Z"], ["X"])), StringComparison.Ordinal);
        Assert.Contains("both as a sample", Error(() => new InSituIncrementalPCA(2).Fit(field, null, ["X"], ["X"])), StringComparison.Ordinal);
        Assert.Contains("must be left for the batches", Error(() => new InSituIncrementalPCA(2).Fit(field, null, ["t", "Y"], ["X"])), StringComparison.Ordinal);
        Assert.Contains("n_components=10", Error(() => new InSituIncrementalPCA(10).Fit(field, null, ["Y"], ["X"])), StringComparison.Ordinal);
        Assert.Equal(0, fixture.Client.HeldKeyCount);
    }
}
