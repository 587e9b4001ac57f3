using System.Runtime.InteropServices;

namespace Deisa.Mpi.Native;

/// <summary>Makes this thread's short sleeps (a <c>ppoll</c> of some microseconds) end on time.</summary>
internal static partial class Sleep
{
    /// <summary>
    /// Asks the kernel to wake this thread on time: the default timer slack (50 µs) would stretch every short sleep.
    /// </summary>
    public static void UsePreciseTimers() => _ = Prctl(PrSetTimerSlack, 1000, 0, 0, 0);

    private const int PrSetTimerSlack = 29;

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int Prctl(int option, ulong argument2, ulong argument3, ulong argument4, ulong argument5);
}
