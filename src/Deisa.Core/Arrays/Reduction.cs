namespace Deisa.Core.Arrays;

/// <summary>A reduction over some axes of an array.</summary>
public enum Reduction : byte
{
    /// <summary>The sum.</summary>
    Sum,

    /// <summary>The arithmetic mean.</summary>
    Mean,

    /// <summary>The smallest element.</summary>
    Min,

    /// <summary>The largest element.</summary>
    Max,

    /// <summary>The population variance (divided by n).</summary>
    Var,

    /// <summary>The population standard deviation (square root of <see cref="Var"/>).</summary>
    Std,
}
