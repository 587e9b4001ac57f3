namespace Deisa.Core.Buffers;

/// <summary>A value whose memory goes back to a pool when its last holder releases it.</summary>
/// <remarks>
/// The runtime retains such a value once per place that holds it (a worker's store, a message in flight, a
/// client's future) and releases it when that place lets go; the memory is returned when the count reaches zero.
/// Code that receives one as a task argument may read it during the task only; to keep its contents, copy them.
/// </remarks>
public interface IRefCountedValue
{
    /// <summary>Adds a holder.</summary>
    /// <exception cref="ObjectDisposedException">The value was already fully released.</exception>
    void Retain();

    /// <summary>Removes a holder; the last one returns the memory.</summary>
    /// <exception cref="ObjectDisposedException">The value was already fully released.</exception>
    void Release();
}
