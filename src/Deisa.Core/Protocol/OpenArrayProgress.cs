namespace Deisa.Core.Protocol;

/// <summary>
/// Scheduler to client, for an array of an open-ended run: the steps known complete, and where the run ends once a
/// producer of it finished. Sent when either changes, and before the failures a finish causes, so that the client
/// knows a key past the end failed because the run ended.
/// </summary>
/// <remarks>
/// Both count over the producers whose blocks the contract asks for: <see cref="Complete"/> is the step every one of
/// them has passed (every contracted step below it arrived); <see cref="End"/> the least of the finished ones' last
/// steps plus one (<see cref="int.MaxValue"/> while none finished). The run's steps are known when
/// <see cref="Complete"/> reaches <see cref="End"/>: there are <see cref="End"/> of them.
/// </remarks>
public sealed class OpenArrayProgress : PooledMessage<OpenArrayProgress>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.OpenArrayProgress;

    /// <summary>Gets or sets the array's name.</summary>
    public string Array { get; set; } = string.Empty;

    /// <summary>Gets or sets the number of leading steps every producer read has passed.</summary>
    public int Complete { get; set; }

    /// <summary>Gets or sets the number of steps at most the run has (<see cref="int.MaxValue"/> while no producer finished).</summary>
    public int End { get; set; } = int.MaxValue;

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        Array = string.Empty;
        Complete = 0;
        End = int.MaxValue;
    }
}
