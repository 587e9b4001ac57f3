namespace Deisa.Core.Client;

/// <summary>Time limits of a <see cref="DeisaClient"/>; every blocking wait has one.</summary>
public sealed class ClientOptions
{
    /// <summary>Gets or sets how long to wait for the scheduler to accept or refuse a request (submit, create external…).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

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
