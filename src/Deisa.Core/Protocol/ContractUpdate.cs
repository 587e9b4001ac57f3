using Deisa.Core.Arrays;

namespace Deisa.Core.Protocol;

/// <summary>Scheduler to producer: what this producer must ship, and where; or that it must stop shipping.</summary>
public sealed class ContractUpdate : PooledMessage<ContractUpdate>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.ContractUpdate;

    /// <summary>Gets or sets whether the contract is revoked: ship nothing more.</summary>
    public bool Revoked { get; set; }

    /// <summary>Gets or sets why it was revoked.</summary>
    public string Reason { get; set; } = string.Empty;

    /// <summary>Gets the entries, one per array this producer ships.</summary>
    public List<ContractEntry> Entries { get; } = [];

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        Revoked = false;
        Reason = string.Empty;
        Entries.ClearAndTrim();
    }
}
