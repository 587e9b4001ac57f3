namespace Deisa.Core.Protocol;

/// <summary>Arrays whose length comes from the wire, grown as their items are read instead of sized from the count.</summary>
/// <remarks>
/// A count is checked against the bytes left, but nested arrays (lists of task arguments, arrays of values) can
/// each claim the same bytes: sized up front, N bytes could allocate N items at every level. Grown by doubling,
/// an array never holds more than twice the items actually read.
/// </remarks>
internal static class DecodedArray
{
    private const int InitialLength = 16;

    /// <summary>Starts an array for <paramref name="count"/> items.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="count">The count read from the wire, already checked against the bytes left.</param>
    /// <returns>An array of at most <see cref="InitialLength"/> slots.</returns>
    public static T[] Start<T>(int count) => count == 0 ? [] : new T[Math.Min(count, InitialLength)];

    /// <summary>Makes room for item <paramref name="index"/>, doubling the array up to <paramref name="count"/>.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="items">The array, replaced when it grows.</param>
    /// <param name="index">The item about to be stored.</param>
    /// <param name="count">The count read from the wire.</param>
    public static void Reserve<T>(ref T[] items, int index, int count)
    {
        if (index == items.Length)
        {
            Array.Resize(ref items, (int)Math.Min(2L * items.Length, count));
        }
    }
}
