using System.Runtime.InteropServices;

namespace Deisa.Mpi.Native;

/// <summary>Sleeps shorter than a millisecond, which <see cref="Thread.Sleep(int)"/> cannot.</summary>
internal static partial class Sleep
{
    /// <summary>Sleeps about <paramref name="interval"/> (at least the kernel's timer slack, some tens of microseconds).</summary>
    /// <param name="interval">How long.</param>
    public static void For(TimeSpan interval)
    {
        long nanoseconds = (long)(interval.TotalMicroseconds * 1000);
        var request = new TimeSpec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
        _ = NanoSleep(ref request, IntPtr.Zero);
    }

    /// <summary>
    /// Asks the kernel to wake this thread on time: the default timer slack (50 µs) would stretch every short sleep.
    /// </summary>
    public static void UsePreciseTimers() => _ = Prctl(PrSetTimerSlack, 1000, 0, 0, 0);

    private const int PrSetTimerSlack = 29;

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int Prctl(int option, ulong argument2, ulong argument3, ulong argument4, ulong argument5);

    [LibraryImport("libc", EntryPoint = "nanosleep")]
    private static partial int NanoSleep(ref TimeSpec request, IntPtr remaining);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
