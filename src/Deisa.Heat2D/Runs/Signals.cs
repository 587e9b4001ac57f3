using System.Runtime.InteropServices;

namespace Deisa.Heat2D.Runs;

/// <summary>SIGINT and SIGTERM end the job at once, through the given abort (MPI_Abort under MPI), instead of leaving ranks waiting.</summary>
internal static class Signals
{
    public static IDisposable Install(Action<string> abort)
    {
        PosixSignalRegistration[] registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
        ];
        return new Registrations(registrations);

        void Handle(PosixSignalContext context)
        {
            context.Cancel = true;
            abort($"interrupted by {context.Signal}; ending the job.");
        }
    }

    private sealed class Registrations(PosixSignalRegistration[] registrations) : IDisposable
    {
        public void Dispose()
        {
            foreach (PosixSignalRegistration registration in registrations)
            {
                registration.Dispose();
            }
        }
    }
}
