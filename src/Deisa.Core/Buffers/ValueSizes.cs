namespace Deisa.Core.Buffers;

/// <summary>Estimates the memory a value takes, for placement decisions and reports.</summary>
public static class ValueSizes
{
    /// <summary>The size assumed for objects whose size cannot be known cheaply.</summary>
    public const long DefaultSize = 64;

    /// <summary>Estimates the bytes a value takes.</summary>
    /// <param name="value">The value.</param>
    /// <returns>An estimate in bytes: exact for arrays and pooled arrays, a default for other objects.</returns>
    public static long Estimate(object? value) => value switch
    {
        null => 0,
        Array array when array.GetType().GetElementType() is { IsValueType: true } element => (long)array.Length * ElementSize(element),
        Array array => (long)array.Length * IntPtr.Size,
        string text => 2L * text.Length,
        ISizedValue sized => sized.SizeInBytes,
        ValueType => 8,
        _ => DefaultSize,
    };

    private static int ElementSize(Type element) => element == typeof(double) || element == typeof(long) || element == typeof(ulong)
        ? 8
        : element == typeof(float) || element == typeof(int) || element == typeof(uint)
            ? 4
            : element == typeof(short) || element == typeof(ushort) || element == typeof(char)
                ? 2
                : element == typeof(byte) || element == typeof(sbyte) || element == typeof(bool)
                    ? 1
                    : IntPtr.Size;
}

