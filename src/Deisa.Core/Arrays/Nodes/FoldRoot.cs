using System.Threading.Tasks;
using Deisa.Core.Client;
using Deisa.Core.Graph;

namespace Deisa.Core.Arrays.Nodes;

/// <summary>A persisted <see cref="TimeFold"/>: walked by the driver, then its finishing tasks emitted, their values kept.</summary>
internal sealed class FoldRoot
{
    public FoldRoot(TimeFold fold, Func<TaskKey, TaskGraph> finish, IReadOnlyList<TaskKey> outputs, string description)
    {
        Fold = fold;
        Finish = finish;
        Description = description;
        Walker = new StreamingFold(fold);
        Values = [.. outputs.Select(k => new FoldValue(k, this))];
    }

    public TimeFold Fold { get; }

    public Func<TaskKey, TaskGraph> Finish { get; }

    public string Description { get; }

    public StreamingFold Walker { get; }

    public IReadOnlyList<FoldValue> Values { get; }

    /// <summary>Gets or sets whether the finishing tasks were emitted.</summary>
    public bool Emitted { get; set; }

    /// <summary>Gets or sets whether every value was released: nothing more is emitted.</summary>
    public bool Removed { get; set; }

    public void Fail(Exception error)
    {
        foreach (FoldValue value in Values)
        {
            value.Fail(error);
        }
    }

    public void Cancel()
    {
        Removed = true;
        foreach (FoldValue value in Values)
        {
            value.Cancel();
        }
    }
}

/// <summary>One wanted value of a fold's finishing tasks: fetched once computed, its key then let go.</summary>
internal sealed class FoldValue
{
    private readonly TaskCompletionSource<object?> _value = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Future? _future;

    public FoldValue(TaskKey key, FoldRoot root)
    {
        Key = key;
        Root = root;
    }

    public TaskKey Key { get; }

    public FoldRoot Root { get; }

    public Task<object?> Value => _value.Task;

    public async Task CollectAsync(Future future)
    {
        lock (_value)
        {
            if (Root.Removed)
            {
                future.Dispose();
                return;
            }

            _future = future;
        }

        // The future holds the key until the value is released, so that the value stays valid (a pooled one too).
        try
        {
            _value.TrySetResult(await future.GetResultAsync().ConfigureAwait(false));
        }
        catch (Exception error)
        {
            _value.TrySetException(error);
        }
    }

    public void Fail(Exception error) => _value.TrySetException(error);

    public void Cancel()
    {
        Future? future;
        lock (_value)
        {
            future = _future;
            _future = null;
        }

        future?.Dispose();
    }
}
