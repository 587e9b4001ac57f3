using Deisa.Core.Arrays;

namespace Deisa.Core.Protocol;

/// <summary>Producer to scheduler, once at start-up: the arrays this simulation rank publishes and its block of each.</summary>
public sealed class DeclareArrays : PooledMessage<DeclareArrays>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.DeclareArrays;

    /// <summary>Gets the declarations.</summary>
    public List<ArrayDeclaration> Arrays { get; } = [];

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        Arrays.ClearAndTrim();
    }
}
