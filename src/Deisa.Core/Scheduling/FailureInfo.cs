using Deisa.Core.Graph;
using Deisa.Core.Protocol;

namespace Deisa.Core.Scheduling;

/// <summary>Why a task erred: the key that failed first, its error and its story; shared by every erred dependent.</summary>
internal sealed class FailureInfo(TaskKey key, ErrorInfo error)
{
    public TaskKey Key { get; } = key;

    public ErrorInfo Error { get; } = error;

    /// <summary>Gets or sets the story of <see cref="Key"/>, taken when it entered Erred so it ends with that transition.</summary>
    public string Story { get; set; } = string.Empty;

    public override string ToString() => $"{Key}: {Error}";
}
