using Deisa.Core.Graph;

namespace Deisa.Core.Errors;

/// <summary>A task, or one of the tasks it depends on, failed.</summary>
/// <remarks>
/// <see cref="Exception.InnerException"/> holds the original exception: the very object in one process, a
/// <see cref="RemoteTaskException"/> carrying its type, message and stack trace when it was thrown in another one.
/// </remarks>
public sealed class TaskFailedException : DeisaException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="key">The key whose value was asked for.</param>
    /// <param name="causeKey">The key whose task failed first (equal to <paramref name="key"/> when it failed itself).</param>
    /// <param name="story">The scheduler's transitions of <paramref name="causeKey"/>, as text.</param>
    /// <param name="innerException">The original exception.</param>
    public TaskFailedException(TaskKey key, TaskKey causeKey, string story, Exception innerException)
        : base(FormatMessage(key, causeKey, innerException), innerException)
    {
        Key = key;
        CauseKey = causeKey;
        Story = story;
    }

    /// <summary>Gets the key whose value was asked for.</summary>
    public TaskKey Key { get; }

    /// <summary>Gets the key whose task failed first.</summary>
    public TaskKey CauseKey { get; }

    /// <summary>Gets the scheduler's recent transitions of <see cref="CauseKey"/>, one per line.</summary>
    public string Story { get; }

    private static string FormatMessage(TaskKey key, TaskKey causeKey, Exception inner) =>
        key == causeKey
            ? $"Task {key} failed: {inner.GetType().Name}: {inner.Message}"
            : $"Task {key} failed because its dependency {causeKey} failed: {inner.GetType().Name}: {inner.Message}";
}
