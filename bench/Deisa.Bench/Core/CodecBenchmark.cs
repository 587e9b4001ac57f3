using BenchmarkDotNet.Attributes;
using Deisa.Core.Buffers;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Transport;

namespace Deisa.Bench.Core;

/// <summary>Encoding and decoding one message of each steady-state kind, in a reused pooled buffer.</summary>
[MemoryDiagnoser]
public class CodecBenchmark
{
    private readonly MessageCodec _codec = new(BenchOperations.Registry);
    private readonly PooledBufferWriter _writer = new(4096);
    private readonly List<Message> _decoded = new(4);
    private Message[] _message = [];

    [Params("TaskFinished", "ExternalArrived", "FreeKeys8", "ComputeTask")]
    public string Kind { get; set; } = "TaskFinished";

    [GlobalSetup]
    public void Setup()
    {
        TaskKey key = ("global_t", 57, 1, 0);
        _message = [Kind switch
        {
            "TaskFinished" => Finished(key),
            "ExternalArrived" => Arrived(key),
            "FreeKeys8" => Free(),
            _ => Compute(key),
        }];
    }

    [Benchmark]
    public int EncodeDecode()
    {
        _writer.Clear();
        _codec.EncodeFrame(_message, _writer);
        _codec.DecodeFrame(_writer.WrittenSpan, EndpointId.Worker(1), _decoded);
        int count = _decoded.Count;
        _decoded[0].Return();
        _decoded.Clear();
        return count;
    }

    private static TaskFinished Finished(TaskKey key)
    {
        TaskFinished message = TaskFinished.Rent();
        message.Key = key;
        message.Nbytes = 1 << 20;
        return message;
    }

    private static ExternalArrived Arrived(TaskKey key)
    {
        ExternalArrived message = ExternalArrived.Rent();
        message.Key = key;
        message.Nbytes = 1 << 20;
        message.Producer = EndpointId.Producer(3);
        message.Stored = true;
        return message;
    }

    private static FreeKeys Free()
    {
        FreeKeys message = FreeKeys.Rent();
        for (int i = 0; i < 8; i++)
        {
            message.Keys.Add(("global_t", i, 1, 0));
        }

        return message;
    }

    private static ComputeTask Compute(TaskKey key)
    {
        ComputeTask message = ComputeTask.Rent();
        message.Key = ("sum", 57);
        message.Spec = TaskSpec.Create(BenchOperations.Add, key, new TaskKey("global_t", 57, 1, 1));
        message.Holders.AddRange([EndpointId.Worker(1), EndpointId.Worker(2)]);
        return message;
    }
}
