namespace Deisa.Heat2D.Simulation;

/// <summary>
/// One simulation rank's timings over the run, a fixed number of values whatever the steps (what rank 0 gathers).
/// The coupling of a step is its publishing and its waiting for a publication before reusing the buffer; the
/// steady steps are those between the first (which, without staging, waits for the contract) and the last (which waits for the last
/// publication), or every step in a run of 2 steps or fewer.
/// </summary>
/// <param name="Steps">Steps run.</param>
/// <param name="FirstCouplingSeconds">The first step's coupling.</param>
/// <param name="LastCouplingSeconds">The last step's coupling.</param>
/// <param name="ComputeSecondsTotal">Stencil and halo exchange, every step.</param>
/// <param name="CouplingSecondsTotal">Coupling, every step.</param>
/// <param name="CouplingMean">Mean coupling per step.</param>
/// <param name="CouplingStd">Standard deviation of the coupling over the steps.</param>
/// <param name="SteadyCouplingMean">Mean coupling of the steady steps.</param>
/// <param name="SteadyCouplingStd">Standard deviation of the steady steps' coupling.</param>
/// <param name="SteadyCouplingMedian">Median coupling of the steady steps, to a histogram bin (see <see cref="StepTimings"/>).</param>
internal readonly record struct RankTimings(
    long Steps,
    double FirstCouplingSeconds,
    double LastCouplingSeconds,
    double ComputeSecondsTotal,
    double CouplingSecondsTotal,
    double CouplingMean,
    double CouplingStd,
    double SteadyCouplingMean,
    double SteadyCouplingStd,
    double SteadyCouplingMedian)
{
    /// <summary>The values <see cref="Write"/> writes.</summary>
    public const int Length = 10;

    /// <summary>Gets the mean compute time per step.</summary>
    public double ComputeMean => ComputeSecondsTotal / Steps;

    /// <summary>Writes the timings as <see cref="Length"/> doubles, for a gather.</summary>
    /// <param name="destination">At least <see cref="Length"/> values.</param>
    public void Write(Span<double> destination)
    {
        destination[0] = Steps;
        destination[1] = FirstCouplingSeconds;
        destination[2] = LastCouplingSeconds;
        destination[3] = ComputeSecondsTotal;
        destination[4] = CouplingSecondsTotal;
        destination[5] = CouplingMean;
        destination[6] = CouplingStd;
        destination[7] = SteadyCouplingMean;
        destination[8] = SteadyCouplingStd;
        destination[9] = SteadyCouplingMedian;
    }

    /// <summary>Reads what <see cref="Write"/> wrote.</summary>
    /// <param name="source">At least <see cref="Length"/> values.</param>
    /// <returns>The timings.</returns>
    public static RankTimings Read(ReadOnlySpan<double> source) =>
        new((long)source[0], source[1], source[2], source[3], source[4], source[5], source[6], source[7], source[8], source[9]);
}
