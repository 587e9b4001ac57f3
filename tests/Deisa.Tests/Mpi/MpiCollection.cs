namespace Deisa.Tests.Mpi;

/// <summary>MPI jobs run one at a time: each already oversubscribes the machine's cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MpiCollection
{
    public const string Name = "MPI jobs";
}
