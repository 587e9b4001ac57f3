namespace Deisa.Core.Transport;

/// <summary>The transports by name, as configurations and command lines choose them (<see cref="ITransport.Name"/>).</summary>
public static class TransportNames
{
    /// <summary>Every endpoint in this process; messages are handed over as objects.</summary>
    public const string InProcess = "inproc";

    /// <summary>Every endpoint in this process; every message goes through the wire format, as it would between processes.</summary>
    public const string InProcessSerialized = "inproc-serialized";

    /// <summary>Endpoints on the ranks of an MPI job, messages over MPI point-to-point (<c>DeisaSession</c>, under mpiexec.mpich).</summary>
    public const string Mpi = "mpi";

    /// <summary>Gets every name, in the order help texts list them.</summary>
    public static IReadOnlyList<string> All { get; } = [InProcess, InProcessSerialized, Mpi];

    /// <summary>Builds the in-process transport of that name.</summary>
    /// <param name="name"><see cref="InProcess"/> or <see cref="InProcessSerialized"/>.</param>
    /// <param name="operations">The operations encoded tasks are looked up in; <see cref="Graph.OperationRegistry.Default"/> when null.</param>
    /// <param name="values">The value codecs; <see cref="Protocol.ValueCodecRegistry.Default"/> when null.</param>
    /// <returns>The transport.</returns>
    /// <exception cref="ArgumentException">The name is not an in-process transport's; the message lists those that are.</exception>
    public static InProcessTransport CreateInProcess(string name, Graph.OperationRegistry? operations = null, Protocol.ValueCodecRegistry? values = null) => name switch
    {
        InProcess => new InProcessTransport(null, operations, values),
        InProcessSerialized => new InProcessTransport(new InProcessTransportOptions { Serialize = true }, operations, values),
        Mpi => throw new ArgumentException(
            $"The '{Mpi}' transport runs across the ranks of an MPI job: launch under mpiexec.mpich and start a DeisaSession. In one process, use '{InProcess}' or '{InProcessSerialized}'.",
            nameof(name)),
        _ => throw new ArgumentException(
            $"Unknown transport '{name}': the transports are {string.Join(", ", All.Select(n => $"'{n}'"))}.",
            nameof(name)),
    };
}
