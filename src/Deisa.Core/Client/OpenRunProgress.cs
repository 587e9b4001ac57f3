namespace Deisa.Core.Client;

/// <summary>How far an open-ended array's run has got, as the client knows it.</summary>
/// <param name="Complete">The leading steps every producer read has passed: their data arrived, or never comes because the run ended.</param>
/// <param name="End">The number of steps at most the run has; <see cref="int.MaxValue"/> while no producer finished.</param>
internal sealed record OpenRunProgress(int Complete, int End)
{
    /// <summary>Gets the progress of a run the scheduler said nothing of yet.</summary>
    public static OpenRunProgress Unknown { get; } = new(0, int.MaxValue);

    /// <summary>Gets whether the run's steps are all known: every producer read got to the end, so there are <see cref="End"/> steps.</summary>
    public bool Ended => End != int.MaxValue && Complete >= End;
}
