using Deisa.Core.Transport;

namespace Deisa.Core.Scheduling;

/// <summary>Settings of a <see cref="SchedulerState"/>.</summary>
public sealed class SchedulerOptions
{
    /// <summary>Gets or sets how many recent transitions are kept for stories.</summary>
    public int StoryCapacity { get; set; } = 1 << 16;

    /// <summary>Gets or sets the producers (simulation ranks) that declare arrays and receive contracts; empty when none.</summary>
    public IReadOnlyList<EndpointId> Producers { get; set; } = [];
}
