using System.Threading.Tasks;

namespace Deisa.Core.Threading;

/// <summary>
/// Blocking waits that sleep at once instead of spinning first, when the process shares its cores with more busy
/// ranks than there are cores.
/// </summary>
/// <remarks>
/// <para><see cref="Task.Wait()"/>, <see cref="SemaphoreSlim.Wait()"/> and <see cref="ManualResetEventSlim.Wait()"/>
/// spin before they sleep, calling <c>sched_yield</c> dozens of times. On a dedicated core that buys a few
/// microseconds of latency. On an oversubscribed one each yield is a context switch to a simulation rank and back,
/// charged to the waiter: a window callback's round trips made about 90 context switches per step on the analytics
/// root, half its CPU time (perf, 5 ranks on 2 cores).</para>
/// <para>Every thread of the runtime waits through here, so one switch (<see cref="Enabled"/>, set by the MPI session
/// when it finds the cores shared) decides for all of them.</para>
/// </remarks>
internal static class QuietWait
{
    [ThreadStatic]
    private static Waiter? s_waiter;

    /// <summary>Gets or sets whether waits sleep at once (cores shared) rather than spin first (the default).</summary>
    public static bool Enabled { get; set; } = Environment.GetEnvironmentVariable("DEISA_QUIET_WAITS") == "1";

    /// <summary>Waits for a task to complete, without throwing its failure.</summary>
    /// <returns>Whether it completed within <paramref name="timeout"/>.</returns>
    public static bool Wait(Task task, TimeSpan timeout)
    {
        if (task.IsCompleted)
        {
            return true;
        }

        if (!Enabled)
        {
            try
            {
                return task.Wait(timeout);
            }
            catch (AggregateException)
            {
                return true;
            }
        }

        return (s_waiter ??= new Waiter()).Wait(task, timeout);
    }

    /// <summary>Waits for a task to complete, then gives its result or throws its failure.</summary>
    public static T Result<T>(Task<T> task)
    {
        Wait(task, Timeout.InfiniteTimeSpan);
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Waits for a task to complete, then throws its failure if it failed.</summary>
    public static void Result(Task task)
    {
        Wait(task, Timeout.InfiniteTimeSpan);
        task.GetAwaiter().GetResult();
    }

    /// <summary>One thread's signal, reused: a wait allocates nothing beyond the task's continuation.</summary>
    /// <remarks>A monitor, which sleeps without spinning; contention on it is between two threads, once per wait.</remarks>
    private sealed class Waiter
    {
        private readonly object _gate = new();
        private readonly Action _set;
        private bool _signalled;

        public Waiter()
        {
            _set = Set;
        }

        public bool Wait(Task task, TimeSpan timeout)
        {
            // A continuation of an earlier wait that timed out may still signal: the task's state, set before its
            // continuations run, is what decides.
            lock (_gate)
            {
                _signalled = false;
            }

            task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_set);
            long deadline = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + (long)timeout.TotalMilliseconds;
            lock (_gate)
            {
                while (!task.IsCompleted)
                {
                    if (!_signalled)
                    {
                        int left = deadline == long.MaxValue ? Timeout.Infinite : (int)Math.Clamp(deadline - Environment.TickCount64, 0, int.MaxValue);
                        if (left == 0 || !Monitor.Wait(_gate, left))
                        {
                            return task.IsCompleted;
                        }
                    }

                    _signalled = false;
                }
            }

            return true;
        }

        private void Set()
        {
            lock (_gate)
            {
                _signalled = true;
                Monitor.Pulse(_gate);
            }
        }
    }
}
