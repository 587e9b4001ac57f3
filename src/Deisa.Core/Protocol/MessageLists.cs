namespace Deisa.Core.Protocol;

/// <summary>How pooled messages clear their lists.</summary>
internal static class MessageLists
{
    /// <summary>The most items a list of a returned message keeps room for.</summary>
    public const int MaxRetainedCapacity = 1024;

    /// <summary>
    /// Clears a list for the message's next use. A list grown past <see cref="MaxRetainedCapacity"/> also lets go of
    /// its array: otherwise the pool would keep, for the life of the process, room for the largest message it ever
    /// carried (the graph of every step, a contract over every step: megabytes after a long run's submission).
    /// </summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="list">The list.</param>
    public static void ClearAndTrim<T>(this List<T> list)
    {
        list.Clear();
        if (list.Capacity > MaxRetainedCapacity)
        {
            list.Capacity = 0;
        }
    }
}
