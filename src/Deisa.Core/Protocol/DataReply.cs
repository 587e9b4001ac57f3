using Deisa.Core.Buffers;
using Deisa.Core.Graph;

namespace Deisa.Core.Protocol;

/// <summary>Worker to client or worker: the values asked for by a <see cref="GetData"/>.</summary>
/// <remarks>The message holds one reference to each value; a handler that keeps a value clears its slot.</remarks>
public sealed class DataReply : PooledMessage<DataReply>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.DataReply;

    /// <summary>Gets or sets the request number of the <see cref="GetData"/>.</summary>
    public long RequestId { get; set; }

    /// <summary>Gets the keys found.</summary>
    public List<TaskKey> Keys { get; } = [];

    /// <summary>Gets the values, parallel to <see cref="Keys"/>.</summary>
    public List<object?> Values { get; } = [];

    /// <summary>Gets the keys asked for that the worker does not hold.</summary>
    public List<TaskKey> Missing { get; } = [];

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        foreach (object? value in Values)
        {
            ValueOwnership.Release(value);
        }

        RequestId = 0;
        Keys.ClearAndTrim();
        Values.ClearAndTrim();
        Missing.ClearAndTrim();
    }
}
