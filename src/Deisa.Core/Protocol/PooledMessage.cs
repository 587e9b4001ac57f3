using Microsoft.Extensions.ObjectPool;

namespace Deisa.Core.Protocol;

/// <summary>A message type with its own object pool.</summary>
/// <remarks>Every rental, return and creation is counted, process-wide, in <see cref="MessagePoolStatistics.Current"/>.</remarks>
/// <typeparam name="TSelf">The concrete message type.</typeparam>
public abstract class PooledMessage<TSelf> : Message
    where TSelf : PooledMessage<TSelf>, new()
{
    // Bursts of tens of thousands of messages are normal (one per task), so keep more than the default of
    // twice the processor count.
    private const int MaxRetained = 4096;

    private static readonly DefaultObjectPool<TSelf> s_pool = new(new Policy(), MaxRetained);
    private int _inPool;

    /// <summary>Takes a cleared message from the pool.</summary>
    /// <returns>The message, owned by the caller.</returns>
    public static TSelf Rent()
    {
        TSelf message = s_pool.Get();
        message._inPool = 0;
        MessagePoolStatistics.CountRent();
        return message;
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The message was already returned.</exception>
    public sealed override void Return()
    {
        if (Interlocked.Exchange(ref _inPool, 1) != 0)
        {
            throw new InvalidOperationException($"A {Kind} message was returned to its pool twice; some handler still used it after returning it.");
        }

        MessagePoolStatistics.CountReturn();
        s_pool.Return((TSelf)this);
    }

    private sealed class Policy : PooledObjectPolicy<TSelf>
    {
        public override TSelf Create()
        {
            MessagePoolStatistics.CountCreate();
            return new();
        }

        public override bool Return(TSelf obj)
        {
            obj.From = default;
            obj.Reset();
            return true;
        }
    }
}
