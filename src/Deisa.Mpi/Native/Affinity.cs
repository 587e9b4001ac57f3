using System.Runtime.InteropServices;

namespace Deisa.Mpi.Native;

/// <summary>The CPUs this process may run on, as the kernel's affinity mask (what a launcher's binding set).</summary>
internal static unsafe partial class Affinity
{
    private const int InvalidArgument = 22;

    /// <summary>Gets this process's affinity mask, 64 CPUs per word, CPU 0 in the lowest bit of the first.</summary>
    /// <returns>The mask; every CPU .NET counts when the kernel cannot say (not Linux).</returns>
    public static ulong[] Mask()
    {
        if (OperatingSystem.IsLinux())
        {
            // The kernel refuses a buffer smaller than its CPU count (EINVAL): grow until it fits, as glibc's
            // CPU_ALLOC callers do. 16 words cover 1,024 CPUs.
            for (int words = 16; words <= 1 << 16; words *= 2)
            {
                ulong[] mask = new ulong[words];
                fixed (ulong* bits = mask)
                {
                    if (SchedGetAffinity(0, (nuint)(words * sizeof(ulong)), bits) == 0)
                    {
                        return mask;
                    }
                }

                if (Marshal.GetLastPInvokeError() != InvalidArgument)
                {
                    break;
                }
            }
        }

        return FirstCpus(Environment.ProcessorCount);
    }

    /// <summary>A mask of CPUs 0 to <paramref name="count"/> − 1.</summary>
    internal static ulong[] FirstCpus(int count)
    {
        ulong[] mask = new ulong[(count + 63) / 64];
        for (int cpu = 0; cpu < count; cpu++)
        {
            mask[cpu / 64] |= 1UL << (cpu % 64);
        }

        return mask;
    }

    [LibraryImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static partial int SchedGetAffinity(int pid, nuint size, ulong* mask);
}
