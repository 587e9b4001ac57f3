using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Deisa.Heat2D.Output;

/// <summary>NumPy's .npy format (version 1.0) for C-ordered little-endian float64 arrays: what numpy.load opens.</summary>
internal static partial class NpyFile
{
    private static readonly byte[] s_magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0];

    /// <summary>Writes <paramref name="data"/> as a float64 C-order .npy file (left to the page cache).</summary>
    public static void Write(string path, ReadOnlySpan<double> data, params int[] shape) => Write(path, data, durable: false, shape);

    /// <summary>Writes <paramref name="data"/> as a float64 C-order .npy file; with <paramref name="durable"/>, returns once it is on the storage device (fsync), as a file another job will read must be.</summary>
    public static void Write(string path, ReadOnlySpan<double> data, bool durable, params int[] shape)
    {
        string dict = string.Create(CultureInfo.InvariantCulture,
            $"{{'descr': '<f8', 'fortran_order': False, 'shape': ({string.Join(", ", shape)}{(shape.Length == 1 ? "," : string.Empty)}), }}");

        // The header (magic, version, length, dict) is padded with spaces to a multiple of 64 bytes and ends in '\n'.
        int unpadded = s_magic.Length + 2 + dict.Length + 1;
        string header = dict + new string(' ', ((unpadded + 63) / 64 * 64) - unpadded) + "\n";
        using FileStream file = File.Create(path);
        file.Write(s_magic);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, checked((ushort)header.Length));
        file.Write(length);
        file.Write(Encoding.ASCII.GetBytes(header));
        file.Write(MemoryMarshal.AsBytes(data));
        file.Flush(flushToDisk: durable);
    }

    /// <summary>Reads a file <c>Write</c> wrote (or numpy, for float64 C-order).</summary>
    /// <exception cref="InvalidDataException">It is not such a file.</exception>
    public static double[] Read(string path, out int[] shape)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(s_magic.AsSpan(0, 6)) || bytes[6] != 1)
        {
            throw new InvalidDataException($"{path} is not a version-1 .npy file.");
        }

        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8, 2));
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Match match = Header().Match(header);
        if (!match.Success)
        {
            throw new InvalidDataException($"{path} does not hold C-ordered little-endian float64 data (header: {header.Trim()}).");
        }

        shape = [.. match.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => int.Parse(v, CultureInfo.InvariantCulture))];
        int offset = 10 + headerLength;
        double[] data = new double[(bytes.Length - offset) / sizeof(double)];
        if (data.Length != shape.Aggregate(1, (a, b) => a * b))
        {
            throw new InvalidDataException($"{path} holds {data.Length} values; its header says shape ({match.Groups[1].Value}).");
        }

        MemoryMarshal.Cast<byte, double>(bytes.AsSpan(offset, data.Length * sizeof(double))).CopyTo(data);
        return data;
    }

    [GeneratedRegex(@"^\{'descr': '<f8', 'fortran_order': False, 'shape': \(([0-9, ]*)\), \}")]
    private static partial Regex Header();
}
