namespace Deisa.Core.Transport;

/// <summary>The role of an endpoint; one rank may host several endpoints of different roles.</summary>
public enum EndpointKind : byte
{
    /// <summary>The scheduler (analytics rank 0).</summary>
    Scheduler,

    /// <summary>The client: the user's analytics code (analytics rank 0).</summary>
    Client,

    /// <summary>A worker.</summary>
    Worker,

    /// <summary>A producer of external data, such as a simulation rank.</summary>
    Producer,
}
