using Deisa.Core.Errors;

namespace Deisa.Mpi.Native;

/// <summary>An MPI call returned an error.</summary>
public sealed class MpiException : DeisaException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="operation">The MPI function.</param>
    /// <param name="code">Its return code.</param>
    /// <param name="rank">The world rank where it failed.</param>
    /// <param name="message">The MPI error string, the call's context and a hint.</param>
    public MpiException(string operation, int code, int rank, string message)
        : base(message)
    {
        Operation = operation;
        Code = code;
        Rank = rank;
    }

    /// <summary>Gets the MPI function that failed.</summary>
    public string Operation { get; }

    /// <summary>Gets the MPI return code.</summary>
    public int Code { get; }

    /// <summary>Gets the world rank where it failed.</summary>
    public int Rank { get; }
}
