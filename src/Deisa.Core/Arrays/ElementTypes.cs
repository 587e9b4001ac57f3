namespace Deisa.Core.Arrays;

/// <summary>Sizes and CLR types of <see cref="ElementType"/> values.</summary>
public static class ElementTypes
{
    /// <summary>Gets the size of one element in bytes.</summary>
    /// <param name="type">The element type.</param>
    /// <returns>The size.</returns>
    public static int SizeOf(ElementType type) => type switch
    {
        ElementType.Float64 or ElementType.Int64 => 8,
        ElementType.Float32 or ElementType.Int32 => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown element type."),
    };

    /// <summary>Gets the element type of <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">double, float, int or long.</typeparam>
    /// <returns>The element type.</returns>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not an array element type Deisa ships.</exception>
    public static ElementType Of<T>()
        where T : unmanaged =>
        typeof(T) == typeof(double) ? ElementType.Float64
        : typeof(T) == typeof(float) ? ElementType.Float32
        : typeof(T) == typeof(int) ? ElementType.Int32
        : typeof(T) == typeof(long) ? ElementType.Int64
        : throw new NotSupportedException($"Arrays of {typeof(T).Name} are not supported; use double, float, int or long.");

    /// <summary>Gets whether a byte is a defined element type.</summary>
    /// <param name="value">The byte.</param>
    /// <returns>Whether it is defined.</returns>
    public static bool IsDefined(byte value) => value is >= 1 and <= 4;
}
