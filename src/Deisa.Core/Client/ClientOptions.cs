namespace Deisa.Core.Client;

/// <summary>Time limits of a <see cref="DeisaClient"/>; every blocking wait has one.</summary>
public sealed class ClientOptions
{
    /// <summary>Gets or sets how long to wait for the scheduler to accept or refuse a request (submit, create external…).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    private int _lookahead = 8;

    /// <summary>
    /// Gets or sets how many steps past the latest step that arrived the tasks of persisted arrays are built: the
    /// window of a run. <see cref="int.MaxValue"/> builds every step's tasks at once.
    /// </summary>
    /// <remarks>
    /// The scheduler holds the tasks of the window, and the workers the blocks it reads: memory grows with the
    /// lookahead, not with the run. A block that comes before its tasks is held until they are built, so a small
    /// lookahead costs nothing in correctness; a larger one lets the analytics take more steps at once when they fall
    /// behind. A few steps (the default, 8) are enough for differences along time; raise it for a rechunk along time,
    /// to at least its chunk size. Over an open-ended run (<see cref="Arrays.ArrayDeclaration.OpenEnded"/>), which has
    /// no last step to build up to, the window reaches at most 1024 steps past the latest arrival.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int Lookahead
    {
        get => _lookahead;
        set => _lookahead = value >= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "ClientOptions.Lookahead is the number of steps of tasks built ahead of the simulation: at least 1 (int.MaxValue builds them all at once).");
    }

    /// <summary>Gets or sets how long to wait for a worker to send a value once it is in memory.</summary>
    public TimeSpan DataTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Gets or sets how long <c>Result()</c> and <c>Compute()</c> wait when given no timeout of their own; the wait
    /// then fails naming what it waited for.
    /// </summary>
    /// <remarks>
    /// A result over every step of a run comes at the run's end, so the default, 24 hours, outlasts any batch
    /// allocation's run rather than cut one short; set it to your run's length with a margin to hear of a stuck run
    /// sooner. Waits that can be known never to end fail at once instead: results that read the simulation's blocks
    /// before the contract was validated, keys whose data no simulation rank declared.
    /// </remarks>
    public TimeSpan ResultTimeout { get; set; } = TimeSpan.FromHours(24);
}
