using Deisa.Core.Transport;

namespace Deisa.Core.Execution;

/// <summary>A value held by a worker: either its own (the scheduler's record of the key) or a fetched copy.</summary>
internal sealed class StoredValue
{
    public StoredValue(object? value, long nbytes, bool primary)
    {
        Value = value;
        Nbytes = nbytes;
        Primary = primary;
    }

    public object? Value { get; }

    public long Nbytes { get; }

    /// <summary>Gets or sets whether the scheduler counts on this worker holding the key; copies fetched for local tasks are not.</summary>
    public bool Primary { get; set; }

    /// <summary>Gets or sets how many local tasks hold this value as a dependency.</summary>
    public int Uses { get; set; }

    /// <summary>Gets or sets the producer to tell once the value is let go of (it shipped it with <c>NotifyRelease</c>), if any.</summary>
    public EndpointId? ReleaseNotice { get; set; }
}
