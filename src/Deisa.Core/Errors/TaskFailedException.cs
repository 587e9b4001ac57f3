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
        : this(key, causeKey, story, innerException, null)
    {
    }

    /// <summary>Creates the exception, saying what the key is to the user.</summary>
    /// <param name="key">The key whose value was asked for.</param>
    /// <param name="causeKey">The key whose task failed first.</param>
    /// <param name="story">The scheduler's transitions of <paramref name="causeKey"/>, as text.</param>
    /// <param name="innerException">The original exception.</param>
    /// <param name="description">What <paramref name="key"/> computes, in the user's terms (an array expression), or null.</param>
    public TaskFailedException(TaskKey key, TaskKey causeKey, string story, Exception innerException, string? description)
        : base(FormatMessage(key, causeKey, innerException, description), innerException)
    {
        Key = key;
        CauseKey = causeKey;
        Story = story;
        Description = description;
    }

    /// <summary>Gets the key whose value was asked for.</summary>
    public TaskKey Key { get; }

    /// <summary>Gets the key whose task failed first.</summary>
    public TaskKey CauseKey { get; }

    /// <summary>Gets the scheduler's recent transitions of <see cref="CauseKey"/>, one per line.</summary>
    public string Story { get; }

    /// <summary>Gets what <see cref="Key"/> computes in the user's terms, such as an array expression, or null.</summary>
    public string? Description { get; }

    private static string FormatMessage(TaskKey key, TaskKey causeKey, Exception inner, string? description)
    {
        string what = description is null ? $"Task {key}" : $"Task {key} ({description})";
        return key == causeKey
            ? $"{what} failed: {inner.GetType().Name}: {inner.Message}"
            : $"{what} failed because its dependency {causeKey} failed: {inner.GetType().Name}: {inner.Message}";
    }
}
