namespace Deisa.Core.Graph;

/// <summary>What a task argument holds.</summary>
public enum ArgKind : byte
{
    /// <summary>No value.</summary>
    Null,

    /// <summary>A boolean.</summary>
    Bool,

    /// <summary>A 64-bit integer.</summary>
    Int64,

    /// <summary>A double.</summary>
    Double,

    /// <summary>A string.</summary>
    String,

    /// <summary>A key: the task receives the key's value.</summary>
    Key,

    /// <summary>A list of arguments, some of which may be keys.</summary>
    List,

    /// <summary>An array of 64-bit integers, such as a shape.</summary>
    Int64Array,

    /// <summary>A slice (start, stop, step).</summary>
    Slice,

    /// <summary>An arbitrary object, usable only when everything runs in one process.</summary>
    Local,
}
