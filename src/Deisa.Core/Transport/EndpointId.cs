namespace Deisa.Core.Transport;

/// <summary>The address of a mailbox: a rank and a role.</summary>
/// <param name="Rank">The rank that hosts the endpoint (a world rank under MPI, a virtual one in one process).</param>
/// <param name="Kind">The role.</param>
public readonly record struct EndpointId(int Rank, EndpointKind Kind)
{
    /// <summary>Gets the scheduler's endpoint on rank <paramref name="rank"/>.</summary>
    /// <param name="rank">The rank.</param>
    /// <returns>The endpoint.</returns>
    public static EndpointId Scheduler(int rank) => new(rank, EndpointKind.Scheduler);

    /// <summary>Gets the client's endpoint on rank <paramref name="rank"/>.</summary>
    /// <param name="rank">The rank.</param>
    /// <returns>The endpoint.</returns>
    public static EndpointId Client(int rank) => new(rank, EndpointKind.Client);

    /// <summary>Gets the worker's endpoint on rank <paramref name="rank"/>.</summary>
    /// <param name="rank">The rank.</param>
    /// <returns>The endpoint.</returns>
    public static EndpointId Worker(int rank) => new(rank, EndpointKind.Worker);

    /// <summary>Gets the producer's endpoint on rank <paramref name="rank"/>.</summary>
    /// <param name="rank">The rank.</param>
    /// <returns>The endpoint.</returns>
    public static EndpointId Producer(int rank) => new(rank, EndpointKind.Producer);

    /// <summary>Formats the endpoint as <c>worker@3</c>.</summary>
    /// <returns>The endpoint as text.</returns>
    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()}@{Rank}";
}
