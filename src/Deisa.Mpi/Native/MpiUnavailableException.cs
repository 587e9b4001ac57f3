using Deisa.Core.Errors;

namespace Deisa.Mpi.Native;

/// <summary>No usable MPI: none installed, the wrong one, or launched by the wrong <c>mpiexec</c>.</summary>
public sealed class MpiUnavailableException : DeisaException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was found and what to do.</param>
    public MpiUnavailableException(string message)
        : base(message)
    {
    }
}
