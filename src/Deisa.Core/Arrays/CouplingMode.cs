namespace Deisa.Core.Arrays;

/// <summary>How the simulation and the analytics are coupled.</summary>
public enum CouplingMode
{
    /// <summary>
    /// External tasks and a contract: metadata once at start-up, one graph over all steps, and only the contracted
    /// blocks shipped, straight from the simulation's memory.
    /// </summary>
    Deisa3,

    /// <summary>
    /// The original coupling, kept for side-by-side measurement: every step, every rank sends its blocks' metadata to
    /// the scheduler and ships every block; the analytics submit their graph per step once the data arrived.
    /// </summary>
    Deisa1,
}
