using Deisa.Core.Graph;

namespace Deisa.Core.Protocol;

/// <summary>
/// Producer to scheduler: this simulation rank publishes nothing more. What it never shipped is named by the last step
/// it published of each array (every contracted step after it will never come) and by keys listed one by one.
/// </summary>
/// <remarks>A size that does not grow with the run: a rank that stops early does not list every step it will not publish.</remarks>
public sealed class ProducerFinished : PooledMessage<ProducerFinished>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.ProducerFinished;

    /// <summary>Gets contracted keys this producer did not ship, listed one by one.</summary>
    public List<TaskKey> Missing { get; } = [];

    /// <summary>Gets, per array this producer declared, the last step it published (-1 for none): no later step comes.</summary>
    public List<(string Array, int LastStep)> LastSteps { get; } = [];

    /// <summary>Gets or sets how many blocks it shipped.</summary>
    public long BlocksShipped { get; set; }

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        Missing.ClearAndTrim();
        LastSteps.Clear();
        BlocksShipped = 0;
    }
}
