namespace Deisa.Core.Protocol;

/// <summary>The wire tag of a value's type; user codecs take tags from <see cref="FirstUserTag"/> up.</summary>
public enum ValueTag : byte
{
    /// <summary>Null.</summary>
    Null = 0,

    /// <summary>A boolean.</summary>
    Bool = 1,

    /// <summary>A 32-bit integer.</summary>
    Int32 = 2,

    /// <summary>A 64-bit integer.</summary>
    Int64 = 3,

    /// <summary>A double.</summary>
    Double = 4,

    /// <summary>A string.</summary>
    String = 5,

    /// <summary>A double[].</summary>
    DoubleArray = 6,

    /// <summary>A float[].</summary>
    SingleArray = 7,

    /// <summary>An int[].</summary>
    Int32Array = 8,

    /// <summary>A long[].</summary>
    Int64Array = 9,

    /// <summary>A byte[].</summary>
    ByteArray = 10,

    /// <summary>A pooled array of doubles; decoded into a buffer from the pool.</summary>
    PooledDoubleArray = 11,

    /// <summary>A pooled array of floats; decoded into a buffer from the pool.</summary>
    PooledSingleArray = 12,

    /// <summary>A pooled array of 32-bit integers; decoded into a buffer from the pool.</summary>
    PooledInt32Array = 13,

    /// <summary>A pooled array of 64-bit integers; decoded into a buffer from the pool.</summary>
    PooledInt64Array = 14,

    /// <summary>An object?[] of encodable values.</summary>
    ObjectArray = 15,

    /// <summary>A float.</summary>
    Single = 16,

    /// <summary>A <see cref="Arrays.DeferredPayload"/>: the bytes follow in a separate message.</summary>
    DeferredPayload = 17,

    /// <summary>A value no codec could write; decoded as an <see cref="UnencodableValue"/> naming its type.</summary>
    Unencodable = 18,

    /// <summary>An <see cref="Arrays.NdArray"/>: its shape, then its doubles.</summary>
    NdArray = 19,

    /// <summary>The first tag free for user codecs.</summary>
    FirstUserTag = 64,
}
