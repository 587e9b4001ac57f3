namespace Deisa.Ml;

/// <summary>Which implementation of BLAS and LAPACK the PCA solvers use.</summary>
public enum LinearAlgebraBackend
{
    /// <summary>The native library when one loads (OpenBLAS, or the system LAPACK), else the managed provider.</summary>
    Auto,

    /// <summary>The native library, or an error naming what to install.</summary>
    Native,

    /// <summary>MathNet.Numerics' managed provider: no native dependency, several times slower.</summary>
    Managed,
}
