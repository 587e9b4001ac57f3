namespace Deisa.Ml;

/// <summary>The parameters one incremental PCA update needs, as they travel in task arguments.</summary>
internal sealed record IpcaSettings(
    int NComponents,
    bool Whiten,
    SvdSolver Solver,
    int IteratedPower,
    int? RandomState,
    LinearAlgebraBackend Backend,
    double Tolerance,
    int MaxIterations)
{
    /// <summary>The relative residual at which the leading-k solver stops: a few hundred ulps of the largest singular value.</summary>
    public const double DefaultTolerance = 1e-12;

    /// <summary>The subspace iterations after which the leading-k solver hands over to the full SVD.</summary>
    public const int DefaultMaxIterations = 200;

    /// <summary>Packs the settings into integers and a double for a task argument.</summary>
    public long[] ToArgument() =>
        [NComponents, Whiten ? 1 : 0, (long)Solver, IteratedPower, RandomState.HasValue ? 1 : 0, RandomState ?? 0, (long)Backend, MaxIterations, BitConverter.DoubleToInt64Bits(Tolerance)];

    /// <summary>Unpacks <see cref="ToArgument"/>.</summary>
    public static IpcaSettings FromArgument(ReadOnlySpan<long> values) =>
        values.Length == 9
            ? new IpcaSettings(
                checked((int)values[0]),
                values[1] != 0,
                (SvdSolver)values[2],
                checked((int)values[3]),
                values[4] != 0 ? checked((int)values[5]) : null,
                (LinearAlgebraBackend)values[6],
                BitConverter.Int64BitsToDouble(values[8]),
                checked((int)values[7]))
            : throw new ArgumentException($"Incremental PCA settings have 9 values; {values.Length} were given (ranks running different Deisa.Ml versions?).", nameof(values));
}
