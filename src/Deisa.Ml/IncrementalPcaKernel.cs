using System.Numerics.Tensors;
using Deisa.Ml.Numerics;

namespace Deisa.Ml;

/// <summary>
/// One step of scikit-learn's IncrementalPCA (Ross et al. 2008, as <c>IncrementalPCA.partial_fit</c> implements it),
/// the merge of two states, and the projections.
/// </summary>
internal static class IncrementalPcaKernel
{
    /// <summary>
    /// The stacked matrix of the thread's last update, kept for its next one: a step of a stream has the size of the one
    /// before, and a fresh one per step (8 MiB for a 1024 × 1024 batch) cost page faults and a full collection every
    /// few steps. One per thread that runs updates (a worker's executors), taken while in use.
    /// </summary>
    [ThreadStatic]
    private static double[]? s_stacked;

    /// <summary>Writes a batch's samples into columns of the stacked matrix, each sample's features contiguous.</summary>
    /// <param name="stacked">The d×m column-major matrix.</param>
    /// <param name="firstColumn">Where the batch's first sample goes.</param>
    public delegate void BatchWriter(double[] stacked, int firstColumn);

    /// <summary>Updates <paramref name="previous"/> (null before the first batch) with a batch of <paramref name="samples"/> × <paramref name="features"/>.</summary>
    public static IncrementalPcaState PartialFit(IncrementalPcaState? previous, int samples, int features, BatchWriter write, IpcaSettings settings)
    {
        int k = settings.NComponents;
        int d = features;
        int n = samples;
        if (k > d)
        {
            throw new ArgumentException($"n_components={k} must be at most the number of features, {d}.");
        }

        if (k > n)
        {
            throw new ArgumentException($"n_components={k} must be at most the number of samples in each batch; this batch has {n}.");
        }

        if (previous is not null && previous.NFeatures != d)
        {
            throw new ArgumentException($"The batch has {d} features, but the PCA was fitted on {previous.NFeatures}.");
        }

        if (previous is not null && previous.NComponents != k)
        {
            throw new ArgumentException($"The state keeps {previous.NComponents} components; these settings ask for {k}.");
        }

        bool first = previous is null || previous.NSamplesSeen == 0;
        int offset = first ? 0 : k;
        int m = first ? n : k + n + 1;
        // Every entry is written below (the batch by the writer, then the previous basis and the mean correction), so a
        // matrix of an earlier update serves as it is. Taken while in use: an update that throws does not give it back.
        double[] a = TakeStacked(checked(d * m));
        write(a, offset);
        Span<double> batch = a.AsSpan(offset * d, n * d);

        // Per-feature statistics of the batch (scikit-learn's _incremental_mean_and_var): the sum, then the
        // corrected two-pass variance of Chan, Golub and LeVeque, centring the batch in place on the way.
        double[] sum = new double[d];
        for (int j = 0; j < n; j++)
        {
            TensorPrimitives.Add(sum, batch.Slice(j * d, d), sum);
        }

        CheckFinite(sum, batch, d);
        double[] batchMean = new double[d];
        TensorPrimitives.Divide(sum, n, batchMean);
        double[] correction = new double[d];
        double[] squares = new double[d];
        for (int j = 0; j < n; j++)
        {
            Span<double> column = batch.Slice(j * d, d);
            TensorPrimitives.Subtract(column, batchMean, column);
            TensorPrimitives.Add(correction, column, correction);
            TensorPrimitives.MultiplyAdd(column, column, squares, squares);
        }

        long seen = previous?.NSamplesSeen ?? 0;
        long total = seen + n;
        double[] mean = new double[d];
        double[] variance = new double[d];
        for (int f = 0; f < d; f++)
        {
            double newUnnormalised = squares[f] - (correction[f] * correction[f] / n);
            if (first)
            {
                mean[f] = sum[f] / n;
                variance[f] = newUnnormalised / n;
            }
            else
            {
                double lastSum = previous!.MeanValues[f] * seen;
                double lastOverNew = (double)seen / n;
                double delta = (lastSum / lastOverNew) - sum[f];
                mean[f] = (lastSum + sum[f]) / total;
                variance[f] = ((previous.VarValues[f] * seen) + newUnnormalised + (lastOverNew / total * delta * delta)) / total;
            }
        }

        if (!first)
        {
            // The previous basis, scaled by its singular values, then the mean correction: what the new samples'
            // deviation from the old mean adds to the scatter.
            for (int i = 0; i < k; i++)
            {
                TensorPrimitives.Multiply(previous!.ComponentValues.AsSpan(i * d, d), previous.SingularValueValues[i], a.AsSpan(i * d, d));
            }

            Span<double> meanCorrection = a.AsSpan((k + n) * d, d);
            TensorPrimitives.Subtract(previous!.MeanValues, batchMean, meanCorrection);
            TensorPrimitives.Multiply(meanCorrection, Math.Sqrt((double)seen / total * n), meanCorrection);
        }

        TruncatedSvd svd = Decompose(a, d, m, first ? 0 : k, seen, settings);
        s_stacked = a;
        return Finish(svd, d, m, n, total, mean, variance, k);
    }

    private static double[] TakeStacked(int length)
    {
        double[]? kept = s_stacked;
        s_stacked = null;
        return kept is not null && kept.Length == length ? kept : GC.AllocateUninitializedArray<double>(length);
    }

    /// <summary>
    /// Combines two states as if one IncrementalPCA had seen both sets of batches, each summarised by its k
    /// components: the SVD of [S₁V₁; S₂V₂; √(n₁n₂/n)(μ₁ − μ₂)], with means and variances combined exactly.
    /// </summary>
    public static IncrementalPcaState Merge(IncrementalPcaState left, IncrementalPcaState right, IpcaSettings settings)
    {
        if (left.NFeatures != right.NFeatures || left.NComponents != right.NComponents)
        {
            throw new ArgumentException(
                $"Cannot merge a state of {left.NComponents} components over {left.NFeatures} features with one of {right.NComponents} over {right.NFeatures}.");
        }

        if (left.NSamplesSeen == 0)
        {
            return right;
        }

        if (right.NSamplesSeen == 0)
        {
            return left;
        }

        int k = left.NComponents;
        int d = left.NFeatures;
        long n1 = left.NSamplesSeen;
        long n2 = right.NSamplesSeen;
        long total = n1 + n2;
        double[] mean = new double[d];
        double[] variance = new double[d];
        for (int f = 0; f < d; f++)
        {
            double delta = left.MeanValues[f] - right.MeanValues[f];
            mean[f] = ((n1 * left.MeanValues[f]) + (n2 * right.MeanValues[f])) / total;
            variance[f] = ((left.VarValues[f] * n1) + (right.VarValues[f] * n2) + ((double)n1 * n2 / total * delta * delta)) / total;
        }

        int m = (2 * k) + 1;
        double[] a = new double[d * m];
        for (int i = 0; i < k; i++)
        {
            TensorPrimitives.Multiply(left.ComponentValues.AsSpan(i * d, d), left.SingularValueValues[i], a.AsSpan(i * d, d));
            TensorPrimitives.Multiply(right.ComponentValues.AsSpan(i * d, d), right.SingularValueValues[i], a.AsSpan((k + i) * d, d));
        }

        Span<double> meanCorrection = a.AsSpan(2 * k * d, d);
        TensorPrimitives.Subtract(left.MeanValues, right.MeanValues, meanCorrection);
        TensorPrimitives.Multiply(meanCorrection, Math.Sqrt((double)n1 * n2 / total), meanCorrection);

        // 2k + 1 columns: the full SVD is as cheap as anything else here.
        TruncatedSvd svd = SvdSolvers.Full(LinearAlgebra.For(settings.Backend), a, d, m, k);
        return Finish(svd, d, m, int.MaxValue, total, mean, variance, k);
    }

    /// <summary>Projects samples (rows of <paramref name="x"/>, n × d) on the components: (x − mean) Vᵀ, divided by √explained variance when whitening.</summary>
    public static double[] Transform(IncrementalPcaState state, ReadOnlySpan<double> x, int samples, bool whiten, LinearAlgebraBackend backend)
    {
        int d = state.NFeatures;
        int k = state.NComponents;
        double[] centred = new double[samples * d];
        for (int j = 0; j < samples; j++)
        {
            TensorPrimitives.Subtract(x.Slice(j * d, d), state.MeanValues, centred.AsSpan(j * d, d));
        }

        // Row-major n×d is column-major d×n, and the components (row-major k×d) are column-major d×k.
        double[] projected = new double[samples * k];
        LinearAlgebra.For(backend).Multiply(true, false, k, samples, d, state.ComponentValues, centred, projected);
        if (whiten)
        {
            double[] scale = Scales(state);
            for (int j = 0; j < samples; j++)
            {
                TensorPrimitives.Divide(projected.AsSpan(j * k, k), scale, projected.AsSpan(j * k, k));
            }
        }

        return projected;
    }

    /// <summary>Maps projections (rows of <paramref name="y"/>, n × k) back to feature space.</summary>
    public static double[] InverseTransform(IncrementalPcaState state, ReadOnlySpan<double> y, int samples, bool whiten, LinearAlgebraBackend backend)
    {
        int d = state.NFeatures;
        int k = state.NComponents;
        double[] scores = y[..(samples * k)].ToArray();
        if (whiten)
        {
            double[] scale = Scales(state);
            for (int j = 0; j < samples; j++)
            {
                TensorPrimitives.Multiply(scores.AsSpan(j * k, k), scale, scores.AsSpan(j * k, k));
            }
        }

        double[] x = new double[samples * d];
        LinearAlgebra.For(backend).Multiply(false, false, d, samples, k, state.ComponentValues, scores, x);
        for (int j = 0; j < samples; j++)
        {
            TensorPrimitives.Add(x.AsSpan(j * d, d), state.MeanValues, x.AsSpan(j * d, d));
        }

        return x;
    }

    private static double[] Scales(IncrementalPcaState state)
    {
        double[] scale = new double[state.NComponents];
        TensorPrimitives.Sqrt(state.ExplainedVarianceValues, scale);
        return scale;
    }

    private static TruncatedSvd Decompose(double[] a, int d, int m, int warmColumns, long seen, IpcaSettings settings)
    {
        ILinearAlgebra algebra = LinearAlgebra.For(settings.Backend);
        int k = settings.NComponents;
        switch (settings.Solver)
        {
            case SvdSolver.Full:
                return SvdSolvers.Full(algebra, a, d, m, k);
            case SvdSolver.Randomized:
            {
                int r = Math.Min(d, m);
                int power = settings.IteratedPower >= 0 ? settings.IteratedPower : (k < 0.1 * r ? 7 : 4);
                return SvdSolvers.Randomized(algebra, a, d, m, k, power, RandomFor(settings.RandomState ?? Random.Shared.Next(), seen));
            }

            case SvdSolver.LeadingK:
                // The start only affects how fast it converges, so a fixed seed keeps results reproducible.
                return SvdSolvers.LeadingK(algebra, a, d, m, k, warmColumns, RandomFor(settings.RandomState ?? 0, seen), settings.Tolerance, settings.MaxIterations);
            default:
                throw new ArgumentOutOfRangeException(nameof(settings), settings.Solver, "Unknown SVD solver.");
        }
    }

    /// <summary>A generator for one update: the same seed and step always draw the same numbers, on any rank.</summary>
    private static Random RandomFor(int seed, long step)
    {
        // SplitMix64 finaliser: neighbouring (seed, step) pairs get unrelated streams.
        ulong z = unchecked(((ulong)(uint)seed << 32) ^ (ulong)step) + 0x9E3779B97F4A7C15UL;
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return new Random(unchecked((int)z));
    }

    private static IncrementalPcaState Finish(TruncatedSvd svd, int d, int m, int samples, long total, double[] mean, double[] variance, int k)
    {
        // scikit-learn's svd_flip(u_based_decision=False): the largest entry of each axis, in absolute value, is positive.
        double[] components = svd.Vectors;
        for (int i = 0; i < k; i++)
        {
            Span<double> axis = components.AsSpan(i * d, d);
            int largest = TensorPrimitives.IndexOfMaxMagnitude<double>(axis);
            if (axis[largest] < 0)
            {
                TensorPrimitives.Negate<double>(axis, axis);
            }
        }

        double totalScatter = TensorPrimitives.Sum<double>(variance) * total;
        double[] explained = new double[k];
        double[] ratio = new double[k];
        for (int i = 0; i < k; i++)
        {
            double squared = svd.Values[i] * svd.Values[i];
            explained[i] = squared / (total - 1);
            ratio[i] = squared / totalScatter;
        }

        // scikit-learn averages the explained variance of the singular values it drops; there are min(m, d) − k.
        int rank = Math.Min(m, d);
        double noise = k != samples && k != d && rank > k ? svd.DiscardedEnergy / (total - 1) / (rank - k) : 0.0;
        return new IncrementalPcaState(total, mean, variance, components, svd.Values, explained, ratio, noise, svd.Iterations, svd.FellBack);
    }

    private static void CheckFinite(double[] sum, Span<double> batch, int d)
    {
        if (double.IsFinite(TensorPrimitives.Sum<double>(sum)))
        {
            return;
        }

        for (int i = 0; i < batch.Length; i++)
        {
            if (!double.IsFinite(batch[i]))
            {
                throw new ArgumentException(
                    $"The batch holds {batch[i]} at sample {i / d}, feature {i % d}: incremental PCA needs finite values (check the simulation's output, or mask the region).");
            }
        }

        throw new ArgumentException("The batch's values are too large to sum in double precision: scale the field before the PCA.");
    }
}
