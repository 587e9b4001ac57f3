namespace Deisa.Core.Buffers;

/// <summary>Retains and releases values that may be reference-counted, and ignores the others.</summary>
public static class ValueOwnership
{
    /// <summary>Adds a holder to <paramref name="value"/> if it is reference-counted.</summary>
    /// <param name="value">The value.</param>
    public static void Retain(object? value)
    {
        if (value is IRefCountedValue counted)
        {
            counted.Retain();
        }
    }

    /// <summary>Removes a holder from <paramref name="value"/> if it is reference-counted.</summary>
    /// <param name="value">The value.</param>
    public static void Release(object? value)
    {
        if (value is IRefCountedValue counted)
        {
            counted.Release();
        }
    }
}
