using System.Runtime.InteropServices;

namespace Deisa.Heat2D.Simulation;

/// <summary>
/// The CPU time of the calling thread. Next to the wall time of a call it tells the call's own work from the time
/// the thread waited or was descheduled, which on oversubscribed cores (several ranks per core) can be most of it.
/// </summary>
internal static partial class ThreadClock
{
    private const int ThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID

    /// <summary>Gets the CPU time the calling thread has used, or <see cref="TimeSpan.Zero"/> where the clock is not available.</summary>
    public static TimeSpan Now()
    {
        if (!OperatingSystem.IsLinux() || ClockGetTime(ThreadCpuTime, out TimeSpec now) != 0)
        {
            return TimeSpan.Zero;
        }

        return TimeSpan.FromTicks((now.Seconds * TimeSpan.TicksPerSecond) + (now.Nanoseconds / 100));
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
