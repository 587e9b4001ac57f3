using Deisa.Core.Arrays;
using Deisa.Core.Buffers;
using Deisa.Core.Protocol;
using Deisa.Ml;
using Deisa.Ml.Numerics;

namespace Deisa.Tests.Ml;

/// <summary>The solvers against each other, merging, projections and bad input, on in-memory batches.</summary>
public sealed class IncrementalPcaTests
{
    private static readonly double[] s_clearGap = [40, 25, 15, 8];

    [Theory]
    [InlineData(LinearAlgebraBackend.Native)]
    [InlineData(LinearAlgebraBackend.Managed)]
    public void LeadingK_LargerField_IteratesAndAgreesWithFullTo1e8(LinearAlgebraBackend backend)
    {
        NdArray[] batches = PcaData.Batches(seed: 11, batches: 5, samples: 120, features: 90, s_clearGap);
        var full = new InSituIncrementalPCA(4, svdSolver: SvdSolver.Full, backend: backend);
        var leading = new InSituIncrementalPCA(4, svdSolver: SvdSolver.LeadingK, backend: backend);
        foreach (NdArray batch in batches)
        {
            full.PartialFit(batch);
            leading.PartialFit(batch);
            Assert.True(leading.State!.SolverIterations > 0, "The leading-k solver answered without iterating.");
            Assert.False(leading.State.SolverFellBack);
            PcaAssert.SameState(full.State!, leading.State, 1e-8, 1e-8, "leading-k vs full");
            PcaAssert.Relative([full.State!.NoiseVariance], [leading.State.NoiseVariance], 1e-8, "noise variance");
        }
    }

    [Fact]
    public void PartialFit_StepAfterStep_KeepsItsStackedMatrix_SameBitsAsAFreshOne()
    {
        const int Samples = 256;
        const int Features = 200;
        NdArray[] batches = PcaData.Batches(seed: 16, batches: 6, samples: Samples, features: Features, s_clearGap);
        var kept = new InSituIncrementalPCA(2, svdSolver: SvdSolver.LeadingK);
        var fresh = new InSituIncrementalPCA(2, svdSolver: SvdSolver.LeadingK);
        long largest = 0;
        for (int t = 0; t < batches.Length; t++)
        {
            // On this thread each update takes the matrix the one before left; on a new thread, a fresh matrix.
            long before = GC.GetAllocatedBytesForCurrentThread();
            kept.PartialFit(batches[t]);
            if (t >= 2)
            {
                largest = Math.Max(largest, GC.GetAllocatedBytesForCurrentThread() - before);
            }

            NdArray batch = batches[t];
            var other = new Thread(() => fresh.PartialFit(batch));
            other.Start();
            other.Join();
            Assert.Equal(fresh.State!.ComponentValues, kept.State!.ComponentValues);
            Assert.Equal(fresh.State.SingularValueValues, kept.State.SingularValueValues);
            Assert.Equal(fresh.State.MeanValues, kept.State.MeanValues);
            Assert.Equal(fresh.State.VarValues, kept.State.VarValues);
        }

        // The stacked matrix, Features × (2 + Samples + 1) doubles, is 414,400 bytes: a steady update allocates less
        // than half of it (the solver's blocks of 10 columns and the new state), so it does not make a new one.
        int stacked = Features * (2 + Samples + 1) * sizeof(double);
        Assert.True(largest < stacked / 2, $"A steady update allocated {largest} bytes; the stacked matrix alone is {stacked}.");
    }

    [Fact]
    public void LeadingK_SlowlyDecayingSpectrum_StillAgreesWithFull()
    {
        // σᵢ = 10/(i+1): no clear gap after the third component, so convergence is slow but must still be exact.
        double[] spectrum = [.. Enumerable.Range(0, 60).Select(i => 10.0 / (i + 1))];
        NdArray[] batches = PcaData.Batches(seed: 12, batches: 4, samples: 80, features: 60, spectrum);
        var full = new InSituIncrementalPCA(3, svdSolver: SvdSolver.Full);
        var leading = new InSituIncrementalPCA(3, svdSolver: SvdSolver.LeadingK);
        foreach (NdArray batch in batches)
        {
            full.PartialFit(batch);
            leading.PartialFit(batch);
            PcaAssert.SameState(full.State!, leading.State!, 1e-8, 1e-7, "leading-k vs full, power-law spectrum");
        }
    }

    [Fact]
    public void LeadingK_NotConvergedInTime_FallsBackToFull()
    {
        NdArray batch = PcaData.Batches(seed: 13, batches: 1, samples: 50, features: 40, [.. Enumerable.Range(0, 40).Select(i => 1.0 + (0.001 * i))])[0];
        ILinearAlgebra algebra = LinearAlgebra.For(LinearAlgebraBackend.Auto);
        double[] a = (double[])batch.Data.Clone();
        TruncatedSvd truncated = SvdSolvers.LeadingK(algebra, a, 40, 50, 2, 0, new Random(1), 1e-12, maxIterations: 1);
        TruncatedSvd full = SvdSolvers.Full(algebra, (double[])batch.Data.Clone(), 40, 50, 2);
        Assert.True(truncated.FellBack);
        PcaAssert.Relative(full.Values, truncated.Values, 1e-12, "singular values after the fallback");
    }

    [Fact]
    public void Randomized_ClearGap_WithinOneThousandthOfFull()
    {
        NdArray[] batches = PcaData.Batches(seed: 14, batches: 4, samples: 150, features: 100, s_clearGap);
        var full = new InSituIncrementalPCA(3, svdSolver: SvdSolver.Full);
        var randomized = new InSituIncrementalPCA(3, svdSolver: SvdSolver.Randomized, randomState: 7);
        foreach (NdArray batch in batches)
        {
            full.PartialFit(batch);
            randomized.PartialFit(batch);
        }

        PcaAssert.SameState(full.State!, randomized.State!, 1e-3, 1e-3, "randomized vs full");
    }

    [Fact]
    public void Randomized_SameSeed_SameResult()
    {
        NdArray batch = PcaData.Batches(seed: 15, batches: 1, samples: 60, features: 50, s_clearGap)[0];
        IncrementalPcaState first = new InSituIncrementalPCA(2, svdSolver: SvdSolver.Randomized, randomState: 3).PartialFit(batch).State!;
        IncrementalPcaState second = new InSituIncrementalPCA(2, svdSolver: SvdSolver.Randomized, randomState: 3).PartialFit(batch).State!;
        Assert.Equal(first.ComponentValues, second.ComponentValues);
    }

    [Theory]
    [InlineData(SvdSolver.Full, LinearAlgebraBackend.Native)]
    [InlineData(SvdSolver.LeadingK, LinearAlgebraBackend.Native)]
    [InlineData(SvdSolver.Randomized, LinearAlgebraBackend.Native)]
    [InlineData(SvdSolver.LeadingK, LinearAlgebraBackend.Managed)]
    [InlineData(SvdSolver.Randomized, LinearAlgebraBackend.Managed)]
    public unsafe void SameInputAndSeed_RepeatedAtShiftedAlignments_SameBits(SvdSolver solver, LinearAlgebraBackend backend)
    {
        NdArray[] batches = PcaData.Batches(seed: 19, batches: 3, samples: 90, features: 70, s_clearGap);
        long[]? first = null;
        var alignments = new HashSet<long>();
        var padding = new List<double[]>();
        for (int repeat = 0; repeat < 16; repeat++)
        {
            // Odd-sized arrays in between: the fit's own buffers start at other offsets within a cache line each time.
            padding.Add(new double[1 + (repeat % 8)]);
            double[] probe = new double[8];
            alignments.Add((long)System.Runtime.CompilerServices.Unsafe.AsPointer(ref probe[0]) % 64);
            var pca = new InSituIncrementalPCA(3, svdSolver: solver, randomState: 5, backend: backend);
            foreach (NdArray batch in batches)
            {
                pca.PartialFit(batch);
            }

            double[] values = [.. pca.State!.ComponentValues, .. pca.State.SingularValueValues, .. pca.State.MeanValues, pca.State.NoiseVariance];
            long[] bits = [.. values.Select(BitConverter.DoubleToInt64Bits)];
            first ??= bits;
            Assert.Equal(first, bits);
        }

        Assert.True(alignments.Count > 1, "Every repeat ran at the same alignment: the test proved nothing.");
    }

    [Fact]
    public void Merge_ExactLowRankData_EqualsOneSequentialFit()
    {
        // Three axes plus the drift of the batch means: rank 4, so with k = 4 no truncation loses anything and
        // merging is exactly sequential fitting.
        NdArray[] batches = PcaData.Batches(seed: 16, batches: 4, samples: 30, features: 20, [9, 5, 2], noise: 0);
        var pca = new InSituIncrementalPCA(4, svdSolver: SvdSolver.Full);
        IncrementalPcaState sequential = batches.Aggregate((IncrementalPcaState?)null, (s, b) => pca.Update(s, b))!;
        IncrementalPcaState left = pca.Update(pca.Update(null, batches[0]), batches[1]);
        IncrementalPcaState right = pca.Update(pca.Update(null, batches[2]), batches[3]);
        IncrementalPcaState merged = pca.Merge(left, right);
        PcaAssert.SameState(sequential, merged, 1e-10, 1e-8, "merged vs sequential");
    }

    [Fact]
    public void Merge_TreeOfBatches_AgreesWithChain()
    {
        NdArray[] batches = PcaData.Batches(seed: 17, batches: 8, samples: 40, features: 30, [12, 7, 4]);
        var pca = new InSituIncrementalPCA(3);
        IncrementalPcaState chain = batches.Aggregate((IncrementalPcaState?)null, (s, b) => pca.Update(s, b))!;
        List<IncrementalPcaState> level = [.. batches.Select(b => pca.Update(null, b))];
        while (level.Count > 1)
        {
            level = [.. level.Chunk(2).Select(pair => pair.Length == 2 ? pca.Merge(pair[0], pair[1]) : pair[0])];
        }

        // Truncating to k at every leaf drops only noise (σ = 0.01 against 4 and more) here.
        PcaAssert.SameState(chain, level[0], 1e-4, 1e-3, "tree vs chain");
    }

    [Fact]
    public void Merge_WithEmptyOrMismatchedState_HandledOrRefused()
    {
        NdArray[] batches = PcaData.Batches(seed: 18, batches: 2, samples: 20, features: 10, [5, 3]);
        var pca = new InSituIncrementalPCA(2);
        IncrementalPcaState state = pca.Update(null, batches[0]);
        IncrementalPcaState other = new InSituIncrementalPCA(3).Update(null, batches[1]);
        ArgumentException error = Assert.Throws<ArgumentException>(() => pca.Merge(state, other));
        Assert.Contains("2 components", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InverseTransform_OfTransform_ReconstructsLowRankData()
    {
        NdArray batch = PcaData.Batches(seed: 19, batches: 1, samples: 40, features: 12, [6, 3], noise: 0)[0];
        foreach (bool whiten in (bool[])[false, true])
        {
            var pca = new InSituIncrementalPCA(2, whiten: whiten).PartialFit(batch);
            NdArray back = pca.InverseTransform(pca.Transform(batch));
            PcaAssert.Absolute(batch.Data, back.Data, 1e-9, $"reconstruction (whiten {whiten})");
        }
    }

    [Fact]
    public void Transform_Whitened_HasUnitVarianceOnTheFittedBatch()
    {
        NdArray batch = PcaData.Batches(seed: 20, batches: 1, samples: 200, features: 15, [6, 3])[0];
        NdArray scores = new InSituIncrementalPCA(2, whiten: true).PartialFit(batch).Transform(batch);
        for (int c = 0; c < 2; c++)
        {
            double[] column = [.. Enumerable.Range(0, 200).Select(i => scores.Data[(i * 2) + c])];
            double mean = column.Average();
            double variance = column.Sum(v => (v - mean) * (v - mean)) / (column.Length - 1);
            Assert.InRange(variance, 1 - 1e-9, 1 + 1e-9);
        }
    }

    [Fact]
    public void PartialFit_NonFiniteValue_NamesSampleAndFeature()
    {
        NdArray batch = PcaData.Batches(seed: 21, batches: 1, samples: 10, features: 6, [3])[0];
        batch.Data[(4 * 6) + 2] = double.NaN;
        ArgumentException error = Assert.Throws<ArgumentException>(() => new InSituIncrementalPCA(2).PartialFit(batch));
        Assert.Contains("sample 4, feature 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PartialFit_BadShapes_ClearErrors()
    {
        NdArray[] batches = PcaData.Batches(seed: 22, batches: 1, samples: 10, features: 6, [3]);
        Assert.Contains("at most the number of samples", Assert.Throws<ArgumentException>(() => new InSituIncrementalPCA(11).PartialFit(PcaData.Batches(23, 1, 10, 20, [3])[0])).Message, StringComparison.Ordinal);
        Assert.Contains("at most the number of features", Assert.Throws<ArgumentException>(() => new InSituIncrementalPCA(7).PartialFit(batches[0])).Message, StringComparison.Ordinal);
        var pca = new InSituIncrementalPCA(2).PartialFit(batches[0]);
        Assert.Contains("fitted on 6", Assert.Throws<ArgumentException>(() => pca.PartialFit(PcaData.Batches(24, 1, 10, 7, [3])[0])).Message, StringComparison.Ordinal);
        Assert.Contains("samples × features", Assert.Throws<ArgumentException>(() => pca.PartialFit(NdArray.Zeros(2, 3, 4))).Message, StringComparison.Ordinal);
        Assert.Contains("not fitted", Assert.Throws<InvalidOperationException>(() => new InSituIncrementalPCA(2).Transform(batches[0])).Message, StringComparison.Ordinal);
        Assert.Contains("Fit(array", Assert.Throws<InvalidOperationException>(() => new InSituIncrementalPCA(2).Components).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new InSituIncrementalPCA(0));
    }

    [Fact]
    public void StateCodec_RoundTrip_KeepsEveryField()
    {
        NdArray[] batches = PcaData.Batches(seed: 25, batches: 2, samples: 30, features: 9, [4, 2]);
        var pca = new InSituIncrementalPCA(2);
        IncrementalPcaState state = pca.Update(pca.Update(null, batches[0]), batches[1]);
        var registry = new ValueCodecRegistry();
        DeisaMl.Register(new Core.Graph.OperationRegistry(), registry);
        using var writer = new PooledBufferWriter();
        registry.Write(state, writer);
        var reader = new SpanReader(writer.WrittenSpan);
        var copy = Assert.IsType<IncrementalPcaState>(registry.Read(ref reader));
        Assert.Equal(0, reader.Remaining);
        PcaAssert.SameState(state, copy, 0, 0, "decoded");
        Assert.Equal(state.NoiseVariance, copy.NoiseVariance);
        Assert.Equal(state.SolverIterations, copy.SolverIterations);
    }

    [Fact]
    public void Native_Backend_IsAvailableOnThisMachine()
    {
        // CI installs libopenblas0-pthread (scripts/setup.sh): the benchmarks and the default path use it.
        Assert.StartsWith("native", DeisaMl.DescribeLinearAlgebra(LinearAlgebraBackend.Native), StringComparison.Ordinal);
    }
}
