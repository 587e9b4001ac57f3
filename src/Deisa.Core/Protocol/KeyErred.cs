using Deisa.Core.Graph;

namespace Deisa.Core.Protocol;

/// <summary>Scheduler to client: a wanted key failed, by itself or through a dependency.</summary>
public sealed class KeyErred : PooledMessage<KeyErred>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.KeyErred;

    /// <summary>Gets or sets the key.</summary>
    public TaskKey Key { get; set; }

    /// <summary>Gets or sets the key whose task failed first.</summary>
    public TaskKey CauseKey { get; set; }

    /// <summary>Gets or sets the original error.</summary>
    public ErrorInfo? Error { get; set; }

    /// <summary>Gets or sets the story of <see cref="CauseKey"/> when it failed.</summary>
    public string Story { get; set; } = string.Empty;

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        Key = default;
        CauseKey = default;
        Error = null;
        Story = string.Empty;
    }
}
