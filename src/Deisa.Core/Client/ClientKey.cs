using System.Threading.Tasks;
using Deisa.Core.Buffers;
using Deisa.Core.Graph;
using Deisa.Core.Transport;

namespace Deisa.Core.Client;

/// <summary>The client's record of a key it holds futures to. Guarded by the client's lock.</summary>
internal sealed class ClientKey
{
    public ClientKey(TaskKey key)
    {
        Key = key;
    }

    public TaskKey Key { get; }

    public int Refs { get; set; }

    public FutureStatus Status { get; set; }

    public EndpointId Holder { get; set; }

    public Exception? Error { get; set; }

    /// <summary>Gets the signal that the key left Pending, with the status it left it for (it never changes after).</summary>
    public TaskCompletionSource<FutureStatus> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<object?>? Fetch { get; set; }

    /// <summary>
    /// Gets or sets the value asked for before the key finished: its fetch starts as the scheduler says the key is in
    /// memory, and completes this, so a waiter wakes once, with the value, rather than at the finish and again at the
    /// fetch (two thread hops per result, what a call per step pays most of).
    /// </summary>
    public TaskCompletionSource<object?>? Awaited { get; set; }

    /// <summary>Gets or sets whether the worker that computed the key sends its value unasked (<see cref="Protocol.KeyInMemory.Pushed"/>): nobody fetches it then.</summary>
    public bool PushExpected { get; set; }

    /// <summary>
    /// Gets or sets what the key is to the user, such as "a chunk of field[::2].Mean()": an object whose text says it,
    /// formatted only when a message needs it (an array's text per call of a callback cost more than its graph).
    /// </summary>
    public object? What { get; set; }

    /// <summary>Gets what the key is to the user; null when it is only a key.</summary>
    public string? Description => What?.ToString();

    /// <summary>Gets or sets a simulation block the key's computation reads that was created before the contract was validated.</summary>
    public TaskKey? ReadsBlock { get; set; }

    /// <summary>Gets the key, with what it is to the user when known.</summary>
    public string Describe() => Description is null ? Key.ToString() : $"{Key} ({Description})";

    public void Complete(FutureStatus status, Exception? error)
    {
        if (Status != FutureStatus.Pending)
        {
            return;
        }

        Status = status;
        Error = error;
        Done.TrySetResult(status);
        if (status != FutureStatus.Finished && Awaited is { } awaited)
        {
            Awaited = null;
            awaited.TrySetException(error!);
        }
    }

    /// <summary>Drops the fetched value, releasing its reference if it is pooled.</summary>
    public void DropValue()
    {
        Task<object?>? fetch = Fetch;
        Fetch = null;
        if (fetch is { IsCompletedSuccessfully: true })
        {
            ValueOwnership.Release(fetch.Result);
        }
        else
        {
            // A fetch still in flight releases its value when it lands and finds the key dropped.
            _ = fetch?.ContinueWith(static t => ValueOwnership.Release(t.Result), TaskContinuationOptions.OnlyOnRanToCompletion);
        }
    }
}
