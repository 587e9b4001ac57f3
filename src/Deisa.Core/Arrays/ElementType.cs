namespace Deisa.Core.Arrays;

/// <summary>The element type of an array published by a simulation.</summary>
public enum ElementType : byte
{
    /// <summary>64-bit floating point (<see cref="double"/>).</summary>
    Float64 = 1,

    /// <summary>32-bit floating point (<see cref="float"/>).</summary>
    Float32 = 2,

    /// <summary>32-bit integer (<see cref="int"/>).</summary>
    Int32 = 3,

    /// <summary>64-bit integer (<see cref="long"/>).</summary>
    Int64 = 4,
}
