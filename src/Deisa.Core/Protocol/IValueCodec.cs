using Deisa.Core.Buffers;

namespace Deisa.Core.Protocol;

/// <summary>Encodes and decodes values of one user type, so they can travel between processes.</summary>
/// <typeparam name="T">The type.</typeparam>
public interface IValueCodec<T>
{
    /// <summary>Writes a value.</summary>
    /// <param name="value">The value.</param>
    /// <param name="writer">The destination.</param>
    void Write(T value, PooledBufferWriter writer);

    /// <summary>Reads a value written by <see cref="Write"/>.</summary>
    /// <param name="reader">The source; check lengths against <see cref="SpanReader.Remaining"/> before allocating.</param>
    /// <returns>The value.</returns>
    T Read(ref SpanReader reader);
}
