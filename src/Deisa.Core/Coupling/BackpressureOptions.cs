namespace Deisa.Core.Coupling;

/// <summary>
/// How far a simulation rank may run ahead of the analytics: a bound on the steps it has shipped that the workers
/// still hold, so that worker memory stays bounded when the analytics are slower than the simulation.
/// </summary>
/// <remarks>
/// A step counts as in flight from its first shipped block until the workers let go of every block of it that this
/// rank shipped. The analytics must be able to finish with a step while the next <see cref="MaxStepsInFlight"/> − 1
/// are held: a time derivative needs 2, a window of k steps needs k + 1; a result kept as a future on the raw
/// blocks holds them for good. With a bound too small the Block policy fails after <see cref="Timeout"/>, naming the
/// steps it waited for.
/// </remarks>
public sealed class BackpressureOptions
{
    /// <summary>Gets or sets the most steps in flight per simulation rank; 0 (the default) sets no bound.</summary>
    public int MaxStepsInFlight { get; set; }

    /// <summary>Gets or sets what a rank does with a step when the bound is reached.</summary>
    public BackpressurePolicy Policy { get; set; } = BackpressurePolicy.Block;

    /// <summary>Gets or sets how long the Block policy waits for the analytics to let go of a step before the run fails.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets whether a bound is set.</summary>
    public bool Enabled => MaxStepsInFlight > 0;

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative bound or a non-positive timeout.</exception>
    public void Validate()
    {
        if (MaxStepsInFlight < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxStepsInFlight), MaxStepsInFlight, "The bound on steps in flight must be 0 (none) or positive.");
        }

        if (Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, "The backpressure timeout must be positive.");
        }
    }
}

/// <summary>What a simulation rank does with a step when its bound on steps in flight is reached.</summary>
public enum BackpressurePolicy
{
    /// <summary>Wait for the analytics to let go of a step (the default): nothing is lost, the simulation slows down.</summary>
    Block,

    /// <summary>
    /// Do not ship the step's blocks of arrays declared droppable (every drop is counted, and what needs a dropped
    /// block errs saying so); other arrays wait as with <see cref="Block"/>.
    /// </summary>
    Drop,
}
