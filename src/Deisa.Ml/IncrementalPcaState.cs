using Deisa.Core.Arrays;

namespace Deisa.Ml;

/// <summary>
/// What an incremental PCA knows after some batches: scikit-learn's fitted attributes of <c>IncrementalPCA</c>,
/// under the same names and with the same meaning. Immutable: each partial fit or merge makes a new state.
/// </summary>
public sealed class IncrementalPcaState
{
    internal IncrementalPcaState(
        long nSamplesSeen,
        double[] mean,
        double[] variance,
        double[] components,
        double[] singularValues,
        double[] explainedVariance,
        double[] explainedVarianceRatio,
        double noiseVariance,
        int solverIterations,
        bool solverFellBack)
    {
        NComponents = singularValues.Length;
        NFeatures = mean.Length;
        NSamplesSeen = nSamplesSeen;
        MeanValues = mean;
        VarValues = variance;
        ComponentValues = components;
        SingularValueValues = singularValues;
        ExplainedVarianceValues = explainedVariance;
        ExplainedVarianceRatioValues = explainedVarianceRatio;
        NoiseVariance = noiseVariance;
        SolverIterations = solverIterations;
        SolverFellBack = solverFellBack;
    }

    /// <summary>Gets the number of components kept (<c>n_components_</c>).</summary>
    public int NComponents { get; }

    /// <summary>Gets the number of features (<c>n_features_in_</c>).</summary>
    public int NFeatures { get; }

    /// <summary>Gets the number of samples seen so far (<c>n_samples_seen_</c>).</summary>
    public long NSamplesSeen { get; }

    /// <summary>Gets the principal axes, one per row, by decreasing explained variance (<c>components_</c>, NComponents × NFeatures).</summary>
    public NdArray Components => new([NComponents, NFeatures], ComponentValues);

    /// <summary>Gets the variance explained by each component (<c>explained_variance_</c>).</summary>
    public NdArray ExplainedVariance => new([NComponents], ExplainedVarianceValues);

    /// <summary>Gets the fraction of the total variance explained by each component (<c>explained_variance_ratio_</c>).</summary>
    public NdArray ExplainedVarianceRatio => new([NComponents], ExplainedVarianceRatioValues);

    /// <summary>Gets the singular values of the components (<c>singular_values_</c>).</summary>
    public NdArray SingularValues => new([NComponents], SingularValueValues);

    /// <summary>Gets the per-feature mean (<c>mean_</c>).</summary>
    public NdArray Mean => new([NFeatures], MeanValues);

    /// <summary>Gets the per-feature variance, normalised by the number of samples (<c>var_</c>).</summary>
    public NdArray Var => new([NFeatures], VarValues);

    /// <summary>Gets the noise variance of the probabilistic PCA model (<c>noise_variance_</c>).</summary>
    public double NoiseVariance { get; }

    /// <summary>Gets how many subspace iterations the last update took (0 for the full and randomized solvers).</summary>
    public int SolverIterations { get; }

    /// <summary>Gets whether the last update's leading-k solver did not converge and the full SVD answered instead.</summary>
    public bool SolverFellBack { get; }

    internal double[] MeanValues { get; }

    internal double[] VarValues { get; }

    internal double[] ComponentValues { get; }

    internal double[] SingularValueValues { get; }

    internal double[] ExplainedVarianceValues { get; }

    internal double[] ExplainedVarianceRatioValues { get; }

    /// <summary>Describes the state.</summary>
    /// <returns>The text.</returns>
    public override string ToString() =>
        $"IncrementalPcaState({NComponents} components, {NFeatures} features, {NSamplesSeen} samples seen)";
}
