using Deisa.Core.Arrays;

namespace Deisa.Core.Scheduling;

/// <summary>
/// What the contract asks of one block position of one array: the steps, who ships them and where; and what is known
/// of them since: the latest step that arrived, the steps that will never come and why.
/// </summary>
internal sealed class ContractPart
{
    public ContractPart(ArrayLayout layout, int[] block, int producer, int worker, StepSet steps)
    {
        Layout = layout;
        Block = block;
        Producer = producer;
        Worker = worker;
        Steps = steps;
    }

    public ArrayLayout Layout { get; }

    public int[] Block { get; }

    /// <summary>Gets the simulation rank that publishes this block.</summary>
    public int Producer { get; }

    /// <summary>Gets the index of the worker every step of the block goes to.</summary>
    public int Worker { get; }

    /// <summary>Gets or sets the steps the producer ships.</summary>
    public StepSet Steps { get; set; }

    /// <summary>Gets or sets the latest step that arrived, -1 before any: steps up to it are gone from the simulation.</summary>
    public int LatestArrived { get; set; } = -1;

    /// <summary>Gets the steps known never to come (passed over, dropped), each set with why; one set per reason.</summary>
    public List<(StepSet Steps, string Why)> Gone { get; } = [];

    /// <summary>Records steps that will never come.</summary>
    public void AddGone(StepSet steps, string why)
    {
        int at = Gone.FindIndex(g => g.Why == why);
        if (at >= 0)
        {
            Gone[at] = (Gone[at].Steps.Union(steps), why);
        }
        else
        {
            Gone.Add((steps, why));
        }
    }

    /// <summary>Gets why a step will never come, or null when it may.</summary>
    public string? WhyGone(int step)
    {
        foreach ((StepSet steps, string why) in Gone)
        {
            if (steps.Contains(step))
            {
                return why;
            }
        }

        return null;
    }
}
