namespace Deisa.Tests;

/// <summary>Tests that count allocations or pool traffic run alone: other tests share the static message pools.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    public const string Name = "Allocation-sensitive";
}
