using Deisa.Core.Arrays;

namespace Deisa.Core.Protocol;

/// <summary>
/// Client to scheduler: what a persisted computation will read of the simulation's arrays, in compact form. The
/// contract is derived from these; after it is validated, a new interest makes it grow.
/// </summary>
public sealed class DeclareInterest : PooledMessage<DeclareInterest>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.DeclareInterest;

    /// <summary>Gets or sets the request number, echoed in the reply.</summary>
    public long RequestId { get; set; }

    /// <summary>Gets or sets the interest's number, by which it is withdrawn.</summary>
    public long InterestId { get; set; }

    /// <summary>Gets or sets what the computation is, for error messages.</summary>
    public string Description { get; set; } = string.Empty;

    /// <summary>Gets the requirements.</summary>
    public List<SourceRequirement> Requirements { get; } = [];

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        RequestId = 0;
        InterestId = 0;
        Description = string.Empty;
        Requirements.ClearAndTrim();
    }
}
