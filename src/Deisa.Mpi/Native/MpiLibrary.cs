using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace Deisa.Mpi.Native;

/// <summary>
/// Binds MPI.NET to an MPICH-ABI MPI library, and fails early, with the fix, when only another MPI is present.
/// </summary>
/// <remarks>
/// MPI.NET's NuGet build imports <c>msmpi.dll</c> (MS-MPI), whose handle ABI MPICH shares: integer handles, the same
/// constants and the same <c>MPI_Status</c> layout. Mapping that name to <c>libmpich.so.12</c> makes MPI.NET work on
/// Linux with MPICH, Intel MPI, MVAPICH and Cray MPICH. Open MPI uses another ABI and is refused.
/// Set <c>DEISA_MPI_LIBRARY</c> to a path to use a specific library.
/// </remarks>
public static class MpiLibrary
{
    /// <summary>The environment variable that names the MPI library to load.</summary>
    public const string PathVariable = "DEISA_MPI_LIBRARY";

    private const string ImportName = "msmpi.dll";

    private static readonly string[] s_mpichAbiNames = ["libmpich.so.12", "libmpi.so.12"];
    private static readonly string[] s_openMpiNames = ["libmpi.so.40", "libmpi.so.20"];
    private static readonly Lock s_lock = new();
    private static IntPtr s_handle;
    private static string? s_version;

    /// <summary>Gets the MPI library's version string (<c>MPI_Get_library_version</c>), once loaded.</summary>
    public static string Version => s_version ?? throw new InvalidOperationException("The MPI library is not loaded yet.");

    /// <summary>
    /// Says why on standard error, then ends the whole MPI job with <paramref name="code"/>: for a rank that cannot go
    /// on and whose peers would otherwise wait for it. The line is given a moment to reach the launcher first.
    /// </summary>
    /// <param name="message">The line to print, naming the rank and the reason.</param>
    /// <param name="code">The job's exit code.</param>
    public static void AbortJob(string message, int code) => MpiApi.AbortJob(message, code);

    /// <summary>Loads the MPI library and points MPI.NET (and Deisa's own imports) at it. Idempotent.</summary>
    /// <exception cref="MpiUnavailableException">No MPICH-ABI library could be loaded; the message says what was found and what to install.</exception>
    public static void EnsureLoaded()
    {
        lock (s_lock)
        {
            if (s_handle != IntPtr.Zero)
            {
                return;
            }

            IntPtr handle = Load();
            string version = ReadVersion(handle);
            if (version.Contains("Open MPI", StringComparison.OrdinalIgnoreCase))
            {
                throw new MpiUnavailableException(
                    $"The MPI library loaded is Open MPI ({FirstLine(version)}), whose ABI MPI.NET cannot use here. " +
                    "Install MPICH (apt-get install -y mpich libmpich-dev) and launch with mpiexec.mpich.");
            }

            s_handle = handle;
            s_version = version;
            DllImportResolver resolver = (name, _, _) => name == ImportName ? s_handle : IntPtr.Zero;
            NativeLibrary.SetDllImportResolver(typeof(MPI.Communicator).Assembly, resolver);
            NativeLibrary.SetDllImportResolver(typeof(MpiLibrary).Assembly, resolver);
        }
    }

    private static IntPtr Load()
    {
        string? requested = System.Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrEmpty(requested))
        {
            return NativeLibrary.TryLoad(requested, out IntPtr chosen)
                ? chosen
                : throw new MpiUnavailableException($"{PathVariable} names '{requested}', which could not be loaded. Point it at libmpich.so.12 or unset it.");
        }

        foreach (string name in s_mpichAbiNames)
        {
            if (NativeLibrary.TryLoad(name, Assembly.GetExecutingAssembly(), null, out IntPtr handle))
            {
                return handle;
            }
        }

        foreach (string name in s_openMpiNames)
        {
            if (NativeLibrary.TryLoad(name, out IntPtr openMpi))
            {
                NativeLibrary.Free(openMpi);
                throw new MpiUnavailableException(
                    $"Only Open MPI was found ({name}); Deisa needs an MPICH-ABI MPI (MPICH, Intel MPI, MVAPICH, Cray MPICH). " +
                    "Install MPICH (apt-get install -y mpich libmpich-dev) and launch with mpiexec.mpich.");
            }
        }

        throw new MpiUnavailableException(
            "No MPI library was found (looked for libmpich.so.12 and libmpi.so.12). " +
            $"Install MPICH (apt-get install -y mpich libmpich-dev), or set {PathVariable} to your MPICH-ABI library.");
    }

    private static unsafe string ReadVersion(IntPtr handle)
    {
        if (!NativeLibrary.TryGetExport(handle, "MPI_Get_library_version", out IntPtr export))
        {
            return "unknown MPI (no MPI_Get_library_version)";
        }

        var getVersion = (delegate* unmanaged<byte*, int*, int>)export;
        byte* text = stackalloc byte[8192];
        int length = 0;
        return getVersion(text, &length) == 0 ? Encoding.ASCII.GetString(text, length).Trim('\0', ' ', '\n') : "unknown MPI";
    }

    private static string FirstLine(string text)
    {
        int end = text.IndexOf('\n', StringComparison.Ordinal);
        return (end < 0 ? text : text[..end]).Trim();
    }
}
