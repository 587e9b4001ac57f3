namespace Deisa.Core.Protocol;

/// <summary>Scheduler to client: a request was applied, or refused with an error and nothing applied.</summary>
public sealed class RequestReply : PooledMessage<RequestReply>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.RequestReply;

    /// <summary>Gets or sets the request number.</summary>
    public long RequestId { get; set; }

    /// <summary>Gets or sets the error, or null on success.</summary>
    public ErrorInfo? Error { get; set; }

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        RequestId = 0;
        Error = null;
    }
}
