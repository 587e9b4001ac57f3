namespace Deisa.Core.Scheduling;

/// <summary>Settings of a <see cref="SchedulerState"/>.</summary>
public sealed class SchedulerOptions
{
    /// <summary>Gets or sets how many recent transitions are kept for stories.</summary>
    public int StoryCapacity { get; set; } = 1 << 16;
}
