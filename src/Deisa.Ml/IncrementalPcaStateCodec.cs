using Deisa.Core.Buffers;
using Deisa.Core.Protocol;

namespace Deisa.Ml;

/// <summary>Carries an <see cref="IncrementalPcaState"/> between ranks: its counts, then its arrays raw.</summary>
internal sealed class IncrementalPcaStateCodec : IValueCodec<IncrementalPcaState>
{
    public void Write(IncrementalPcaState value, PooledBufferWriter writer)
    {
        writer.WriteInt32(value.NComponents);
        writer.WriteInt32(value.NFeatures);
        writer.WriteInt64(value.NSamplesSeen);
        writer.WriteDouble(value.NoiseVariance);
        writer.WriteInt32(value.SolverIterations);
        writer.WriteByte(value.SolverFellBack ? (byte)1 : (byte)0);
        writer.WriteRaw<double>(value.MeanValues);
        writer.WriteRaw<double>(value.VarValues);
        writer.WriteRaw<double>(value.ComponentValues);
        writer.WriteRaw<double>(value.SingularValueValues);
        writer.WriteRaw<double>(value.ExplainedVarianceValues);
        writer.WriteRaw<double>(value.ExplainedVarianceRatioValues);
    }

    public IncrementalPcaState Read(ref SpanReader reader)
    {
        int k = reader.ReadCount(0, "components");
        int d = reader.ReadCount(0, "features");
        long seen = reader.ReadInt64();
        double noise = reader.ReadDouble();
        int iterations = reader.ReadInt32();
        bool fellBack = reader.ReadByte() != 0;
        // At most 2^62 + 2^34 doubles: the count fits a long, its size in bytes may not, so compare counts.
        long doubles = (2L * d) + ((long)k * d) + (3L * k);
        if (doubles > reader.Remaining / sizeof(double))
        {
            throw reader.Fail($"an incremental PCA state of {k} components over {d} features needs {doubles} doubles; {reader.Remaining} bytes are left.");
        }

        double[] mean = ReadArray(ref reader, d);
        double[] variance = ReadArray(ref reader, d);
        double[] components = ReadArray(ref reader, k * d);
        double[] singular = ReadArray(ref reader, k);
        double[] explained = ReadArray(ref reader, k);
        double[] ratio = ReadArray(ref reader, k);
        return new IncrementalPcaState(seen, mean, variance, components, singular, explained, ratio, noise, iterations, fellBack);
    }

    private static double[] ReadArray(ref SpanReader reader, int length)
    {
        double[] values = new double[length];
        reader.ReadRaw<double>(values);
        return values;
    }
}
