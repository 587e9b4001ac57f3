using Deisa.Core.Arrays;
using Deisa.Ml;

namespace Deisa.Heat2D.Analytics;

/// <summary>What the analytics computed; null for an analytic that did not run.</summary>
public sealed class AnalyticsResults
{
    /// <summary>Gets or sets the principal axes, components × width (<c>components_</c>).</summary>
    public NdArray? Components { get; set; }

    /// <summary>Gets or sets the variance each component explains.</summary>
    public NdArray? ExplainedVariance { get; set; }

    /// <summary>Gets or sets the fraction of the variance each component explains.</summary>
    public NdArray? ExplainedVarianceRatio { get; set; }

    /// <summary>Gets or sets the singular values.</summary>
    public NdArray? SingularValues { get; set; }

    /// <summary>Gets or sets the per-feature (column) mean.</summary>
    public NdArray? Mean { get; set; }

    /// <summary>Gets or sets the noise variance.</summary>
    public double? NoiseVariance { get; set; }

    /// <summary>Gets or sets the samples the PCA saw.</summary>
    public long? SamplesSeen { get; set; }

    /// <summary>Gets or sets the mean temperature of each step.</summary>
    public NdArray? SpatialMean { get; set; }

    /// <summary>Gets or sets the mean temperature over the latest steps of each step's window (the rolling mean).</summary>
    public NdArray? RollingMean { get; set; }

    /// <summary>Gets or sets, per cell, the mean over time of the temperature's time derivative (height × width).</summary>
    public NdArray? TimeDerivativeMean { get; set; }

    /// <summary>Gets or sets the step read whose spatial mean changed by less than the steering threshold, or null if none did.</summary>
    public int? StopDecidedAt { get; set; }

    /// <summary>Gets or sets the change of the spatial mean at <see cref="StopDecidedAt"/>.</summary>
    public double? StopChange { get; set; }

    /// <summary>Gets or sets the simulation step every rank was asked to stop at, or null.</summary>
    public int? StopRequestedAt { get; set; }

    /// <summary>Gets or sets the seconds from the contract's validation to the last result.</summary>
    public double Seconds { get; set; }

    /// <summary>Gets or sets the seconds the analytics waited for every simulation rank's declarations (<c>GetArrays</c>).</summary>
    public double DeclarationsSeconds { get; set; }

    /// <summary>
    /// Gets or sets the seconds from the declarations to the validated contract: building the arrays, persisting them
    /// (their interests) and validating. The simulation's first publication waits for this.
    /// </summary>
    public double ContractSeconds { get; set; }

    /// <summary>Waits for a fitted PCA's attributes and keeps them.</summary>
    /// <param name="pca">The estimator, after Fit or FitStep.</param>
    public void ReadPca(InSituIncrementalPCA pca)
    {
        ArgumentNullException.ThrowIfNull(pca);
        ExplainedVariance = pca.ExplainedVariance.Result();
        ExplainedVarianceRatio = pca.ExplainedVarianceRatio.Result();
        SingularValues = pca.SingularValues.Result();
        Components = pca.Components.Result();
        Mean = pca.Mean.Result();
        NoiseVariance = pca.NoiseVariance.Result();
        SamplesSeen = pca.NSamplesSeen.Result();
    }
}
