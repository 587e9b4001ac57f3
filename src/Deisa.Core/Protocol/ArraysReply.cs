using Deisa.Core.Arrays;

namespace Deisa.Core.Protocol;

/// <summary>Scheduler to client: the declarations of every producer, or why they do not fit together.</summary>
public sealed class ArraysReply : PooledMessage<ArraysReply>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.ArraysReply;

    /// <summary>Gets or sets the request number.</summary>
    public long RequestId { get; set; }

    /// <summary>Gets the producer (rank) of each declaration, parallel to <see cref="Declarations"/>.</summary>
    public List<int> Producers { get; } = [];

    /// <summary>Gets the declarations.</summary>
    public List<ArrayDeclaration> Declarations { get; } = [];

    /// <summary>Gets or sets why the declarations could not be assembled, or null.</summary>
    public ErrorInfo? Error { get; set; }

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        RequestId = 0;
        Producers.ClearAndTrim();
        Declarations.ClearAndTrim();
        Error = null;
    }
}
