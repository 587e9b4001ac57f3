using System.Runtime.InteropServices;

namespace Deisa.Core.Diagnostics;

/// <summary>
/// The calling thread's own CPU time: what a thread spent, apart from other threads sharing the cores and from the
/// time it waited to run, which wall time on a busy machine cannot tell apart (the scale model's scheduler thread,
/// Heat2D's first publication).
/// </summary>
internal static partial class ThreadClock
{
    private const int ClockThreadCpuTime = 3;

    /// <summary>Gets the calling thread's CPU time, or <see cref="TimeSpan.Zero"/> where the clock is not there (outside Linux).</summary>
    /// <returns>The time, collections it ran included.</returns>
    public static TimeSpan Now()
    {
        if (!OperatingSystem.IsLinux() || ClockGetTime(ClockThreadCpuTime, out TimeSpec now) != 0)
        {
            return TimeSpan.Zero;
        }

        return TimeSpan.FromTicks((now.Seconds * TimeSpan.TicksPerSecond) + (now.Nanoseconds / 100));
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec value);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
