using YamlDotNet.Serialization;

namespace Deisa.Heat2D.Configuration;

/// <summary>The mini-app's configuration, as read from YAML (snake_case keys); <see cref="ConfigLoader"/> checks it.</summary>
internal sealed class HeatConfig
{
    public SizeConfig? Size { get; set; }

    public GridConfig? Grid { get; set; }

    public int Steps { get; set; }

    public int Inner { get; set; }

    public int AnalyticsRanks { get; set; }

    public string? Mode { get; set; }

    public List<string>? Arrays { get; set; }

    public List<AnalyticConfig>? Analytics { get; set; }

    public string? Output { get; set; }

    /// <summary>Gets or sets what the analytics read (optional; everything by default).</summary>
    public SelectionConfig? Selection { get; set; }

    /// <summary>
    /// The bound on steps in flight when the configuration sets none, in modes deisa3 and posthoc: the most any of the
    /// mini-app's analytics holds is 2 steps, and 64 keeps the workers' memory flat over a run of any length (a run
    /// without a bound piles up whatever the analytics lag behind) while the simulation almost never waits.
    /// </summary>
    public const int DefaultMaxStepsInFlight = 64;

    /// <summary>Gets or sets the bound on steps in flight per simulation rank (optional; <see cref="MaxStepsInFlight"/> gives the one that applies).</summary>
    public BackpressureConfig? Backpressure { get; set; }

    /// <summary>Gets or sets the MiB each simulation rank may copy aside before its contract arrives (16 by default; 0 waits for it at the first publish).</summary>
    public int StagingBeforeContractMib { get; set; } = 16;

    /// <summary>Gets or sets the MiB of copies each simulation rank may have in flight, its blocks sent from them and its field free at once (0 by default: zero copy).</summary>
    public int CopyBudgetMib { get; set; }

    /// <summary>
    /// Gets or sets the steering threshold (optional, 0 for none): the analytics stop the run at the first step read
    /// whose spatial mean differs from the previous one's by less than this, every simulation rank at the same step.
    /// </summary>
    public double StopWhenMeanChangeBelow { get; set; }

    /// <summary>
    /// Gets or sets the stride of a downsample on the simulation ranks (optional, 1 for none): each rank ships every
    /// n-th row and column of its block as <see cref="HeatArrays.Coarse"/>, which the analytics read instead of the field.
    /// </summary>
    public int Downsample { get; set; } = 1;

    /// <summary>Gets whether the analytics may stop the run early (<see cref="StopWhenMeanChangeBelow"/>).</summary>
    [YamlIgnore]
    public bool Steered => StopWhenMeanChangeBelow > 0;

    /// <summary>Gets the rows of the array the analytics read: the field's, or the downsampled field's.</summary>
    [YamlIgnore]
    public int ReadHeight => (Size!.Height + Downsample - 1) / Downsample;

    /// <summary>Gets the columns of the array the analytics read.</summary>
    [YamlIgnore]
    public int ReadWidth => (Size!.Width + Downsample - 1) / Downsample;

    /// <summary>Gets the parsed <see cref="Mode"/>, once checked.</summary>
    [YamlIgnore]
    public RunMode RunMode { get; set; }

    /// <summary>Gets the number of simulation ranks.</summary>
    public int SimulationRanks => Grid!.Rows * Grid.Cols;

    /// <summary>Gets the number of ranks the job needs: the simulation's, plus the analytics' when they run in transit.</summary>
    public int TotalRanks => SimulationRanks + (RunMode is RunMode.Deisa3 or RunMode.Deisa1 ? AnalyticsRanks : 0);

    /// <summary>Gets a block's rows.</summary>
    public int BlockHeight => Size!.Height / Grid!.Rows;

    /// <summary>Gets a block's columns.</summary>
    public int BlockWidth => Size!.Width / Grid!.Cols;

    /// <summary>
    /// Gets the bound on steps in flight that applies, once checked: the configured one (0 for none), else
    /// <see cref="DefaultMaxStepsInFlight"/> (or one more than <see cref="StepsHeld"/>, if larger) in modes deisa3 and posthoc and none in deisa1 (its analytics keep the
    /// first step until the last) and none (nothing is shipped).
    /// </summary>
    [YamlIgnore]
    public int MaxStepsInFlight => Backpressure?.MaxStepsInFlight
        ?? (RunMode is RunMode.Deisa3 or RunMode.PostHoc ? Math.Max(DefaultMaxStepsInFlight, StepsHeld + 1) : 0);

    /// <summary>
    /// Gets the most steps the analytics hold at once: a rolling mean its window and one more step per call running
    /// beside the oldest, a time derivative 2, the others 1.
    /// </summary>
    [YamlIgnore]
    public int StepsHeld => Math.Max(
        Find(AnalyticConfig.TimeDerivativeMean) is null ? 1 : 2,
        Find(AnalyticConfig.RollingMean) is { } rolling ? rolling.Window + rolling.MaxConcurrency - 1 : 1);

    public AnalyticConfig? Find(string kind) => Analytics?.FirstOrDefault(a => a.Kind == kind);
}

/// <summary>The part of global_t the analytics read: every n-th step of a window of rows and columns.</summary>
internal sealed class SelectionConfig
{
    /// <summary>Gets or sets the stride over steps (1: every step).</summary>
    public int Every { get; set; } = 1;

    /// <summary>Gets or sets the first and one-past-last row, or null for all.</summary>
    public List<int>? Rows { get; set; }

    /// <summary>Gets or sets the first and one-past-last column, or null for all.</summary>
    public List<int>? Cols { get; set; }
}

/// <summary>How far each simulation rank may run ahead of the analytics.</summary>
internal sealed class BackpressureConfig
{
    /// <summary>Gets or sets the most steps shipped and still held by the workers, per simulation rank; 0 for no bound.</summary>
    public int MaxStepsInFlight { get; set; }

    /// <summary>Gets or sets the policy at the bound: only block (the simulation waits) in the mini-app.</summary>
    public string Policy { get; set; } = "block";
}

/// <summary>The global interior size.</summary>
internal sealed class SizeConfig
{
    public int Height { get; set; }

    public int Width { get; set; }
}

/// <summary>The simulation's process grid.</summary>
internal sealed class GridConfig
{
    public int Rows { get; set; }

    public int Cols { get; set; }
}

/// <summary>One analytic: its kind and, for the PCA, its parameters.</summary>
internal sealed class AnalyticConfig
{
    public const string Ipca = "ipca";
    public const string SpatialMean = "spatial_mean";
    public const string TimeDerivativeMean = "time_derivative_mean";
    public const string RollingMean = "rolling_mean";

    public string? Kind { get; set; }

    public int NComponents { get; set; } = 2;

    public string SvdSolver { get; set; } = "leading_k";

    public bool Whiten { get; set; }

    /// <summary>Gets or sets the rolling mean's window: how many of the latest steps read each value averages.</summary>
    public int Window { get; set; }

    /// <summary>
    /// Gets or sets how many of the rolling mean's calls may run at once (YAML <c>max_concurrency</c>). Each step's
    /// mean is its own, so by default a few overlap, as a per-step graph's steps do; 1 runs each after the previous.
    /// </summary>
    public int MaxConcurrency { get; set; } = DefaultRollingCalls;

    /// <summary>The rolling mean's calls at once by default: enough that a call's round trips to the workers hide behind the next ones'.</summary>
    public const int DefaultRollingCalls = 4;
}

/// <summary>How the simulation and the analytics are coupled.</summary>
internal enum RunMode
{
    /// <summary>External tasks and a contract: only the blocks the analytics need are shipped.</summary>
    Deisa3,

    /// <summary>Per-step metadata and every block; the analytics submit each step's graph once it arrived.</summary>
    Deisa1,

    /// <summary>The simulation alone.</summary>
    None,

    /// <summary>The simulation writes every step to files; the analytics read them afterwards.</summary>
    PostHoc,
}
