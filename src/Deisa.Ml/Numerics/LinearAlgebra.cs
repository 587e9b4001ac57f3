namespace Deisa.Ml.Numerics;

/// <summary>Chooses the kernels for a <see cref="LinearAlgebraBackend"/>.</summary>
internal static class LinearAlgebra
{
    public static ILinearAlgebra For(LinearAlgebraBackend backend) => backend switch
    {
        LinearAlgebraBackend.Managed => ManagedLinearAlgebra.Instance,
        LinearAlgebraBackend.Native => NativeLapack.Loaded.Library ?? throw new DllNotFoundException(
            $"No native LAPACK could be loaded ({NativeLapack.Loaded.Reason}). Install OpenBLAS " +
            $"(apt-get install -y libopenblas0-pthread), point {NativeLapack.PathVariable} at a LAPACK library, " +
            "or use LinearAlgebraBackend.Auto to fall back to the managed provider."),
        LinearAlgebraBackend.Auto => (ILinearAlgebra?)NativeLapack.Loaded.Library ?? ManagedLinearAlgebra.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "Unknown linear algebra backend."),
    };
}
