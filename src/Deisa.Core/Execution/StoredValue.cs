using Deisa.Core.Transport;

namespace Deisa.Core.Execution;

/// <summary>A value held by a worker: either its own (the scheduler's record of the key) or a fetched copy.</summary>
/// <remarks>
/// The worker reuses these records once it let go of their values (<see cref="WorkerState"/> keeps the free ones), so
/// that a block arriving every step allocates no record of its own: a record is referenced only by the worker's table
/// and by the tasks that count in <see cref="Uses"/>, so none is left holding one when it goes back.
/// </remarks>
internal sealed class StoredValue
{
    public object? Value { get; private set; }

    public long Nbytes { get; private set; }

    /// <summary>Gets or sets whether the scheduler counts on this worker holding the key; copies fetched for local tasks are not.</summary>
    public bool Primary { get; set; }

    /// <summary>Gets or sets how many local tasks hold this value as a dependency.</summary>
    public int Uses { get; set; }

    /// <summary>Gets or sets the producer to tell once the value is let go of (it shipped it with <c>NotifyRelease</c>), if any.</summary>
    public EndpointId? ReleaseNotice { get; set; }

    /// <summary>Fills a new or reused record.</summary>
    public StoredValue Init(object? value, long nbytes, bool primary, EndpointId? releaseNotice = null)
    {
        Value = value;
        Nbytes = nbytes;
        Primary = primary;
        Uses = 0;
        ReleaseNotice = releaseNotice;
        return this;
    }

    /// <summary>Forgets the value, so that a free record keeps nothing alive.</summary>
    public void Clear()
    {
        Value = null;
        ReleaseNotice = null;
    }
}
