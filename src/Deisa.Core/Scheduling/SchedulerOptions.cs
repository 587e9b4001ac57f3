using Deisa.Core.Arrays;
using Deisa.Core.Transport;

namespace Deisa.Core.Scheduling;

/// <summary>Settings of a <see cref="SchedulerState"/>.</summary>
public sealed class SchedulerOptions
{
    /// <summary>Gets or sets how many recent transitions are kept for stories.</summary>
    public int StoryCapacity { get; set; } = 1 << 16;

    /// <summary>Gets or sets the producers (simulation ranks) that declare arrays and receive contracts; empty when none.</summary>
    public IReadOnlyList<EndpointId> Producers { get; set; } = [];

    /// <summary>
    /// Gets or sets the coupling. In <see cref="CouplingMode.Deisa1"/> every block of every step is contracted as soon
    /// as the arrays are declared, and blocks are announced to the client one by one as producers ship them.
    /// </summary>
    public CouplingMode Mode { get; set; } = CouplingMode.Deisa3;
}
