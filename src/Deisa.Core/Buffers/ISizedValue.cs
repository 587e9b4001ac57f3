namespace Deisa.Core.Buffers;

/// <summary>A value that knows how many bytes it takes.</summary>
public interface ISizedValue
{
    /// <summary>Gets the bytes the value takes.</summary>
    long SizeInBytes { get; }
}
