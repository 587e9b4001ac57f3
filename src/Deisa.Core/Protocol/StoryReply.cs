namespace Deisa.Core.Protocol;

/// <summary>Scheduler to client: the recent transitions of a key, as text.</summary>
public sealed class StoryReply : PooledMessage<StoryReply>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.StoryReply;

    /// <summary>Gets or sets the request number.</summary>
    public long RequestId { get; set; }

    /// <summary>Gets or sets the story.</summary>
    public string Text { get; set; } = string.Empty;

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        RequestId = 0;
        Text = string.Empty;
    }
}
