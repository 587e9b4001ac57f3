using System.Collections.Concurrent;

namespace Deisa.Core.Execution;

/// <summary>A fixed set of dedicated threads that run task instructions, so user code never blocks the thread pool.</summary>
internal sealed class ExecutorPool : IDisposable
{
    private readonly ConcurrentQueue<ExecuteInstruction> _queue = new();
    private readonly SemaphoreSlim _available = new(0);
    private readonly Thread[] _threads;
    private readonly Action<ExecuteInstruction> _run;
    private volatile bool _stopping;

    public ExecutorPool(int threads, string name, Action<ExecuteInstruction> run)
    {
        _run = run;
        _threads = new Thread[threads];
        for (int i = 0; i < threads; i++)
        {
            _threads[i] = new Thread(Loop) { IsBackground = true, Name = $"{name}-exec-{i}" };
            _threads[i].Start();
        }
    }

    public void Post(ExecuteInstruction instruction)
    {
        _queue.Enqueue(instruction);
        _available.Release();
    }

    /// <summary>Stops taking work and waits up to <paramref name="timeout"/> for running tasks to end.</summary>
    /// <returns>Whether every thread ended in time; user code that never returns keeps its (background) thread.</returns>
    public bool Stop(TimeSpan timeout)
    {
        _stopping = true;
        _available.Release(_threads.Length);
        DateTime deadline = DateTime.UtcNow + timeout;
        bool all = true;
        foreach (Thread thread in _threads)
        {
            TimeSpan left = deadline - DateTime.UtcNow;
            all &= thread.Join(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }

        return all;
    }

    /// <summary>Frees the semaphore; call only after <see cref="Stop"/> returned true, when no thread can touch it.</summary>
    public void Dispose() => _available.Dispose();

    private void Loop()
    {
        while (!_stopping)
        {
            _available.Wait();
            if (!_stopping && _queue.TryDequeue(out ExecuteInstruction instruction))
            {
                _run(instruction);
            }
        }
    }
}
