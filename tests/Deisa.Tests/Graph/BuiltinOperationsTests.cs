using Deisa.Core.Buffers;
using Deisa.Core.Graph;

namespace Deisa.Tests.Graph;

public sealed class BuiltinOperationsTests
{
    [Fact]
    public void EveryRegistry_HasTheBuiltins()
    {
        var registry = new OperationRegistry();

        Assert.True(registry.TryGet(BuiltinOperations.Sum, out _));
        Assert.True(registry.TryGet(BuiltinOperations.SumList, out _));
    }

    [Fact]
    public void Sum_AnyArrayOfDoubles_SumsIt()
    {
        Operation sum = new OperationRegistry().Get(BuiltinOperations.Sum);
        TaskSpec spec = TaskSpec.Create(sum, new TaskKey("block"));
        using var pooled = new PooledHolder(PooledArray<double>.CopyFrom([1, 2, 3.5]));

        object? fromArray = sum.Invoke(new TaskArguments("s", spec.Args, [new double[] { 1, 2 }]));
        object? fromPooled = sum.Invoke(new TaskArguments("s", spec.Args, [pooled.Array]));

        Assert.Equal(3.0, fromArray);
        Assert.Equal(6.5, fromPooled);
    }

    [Fact]
    public void SumList_MixedNumbers_SumsThemAsDoubles()
    {
        Operation sumList = new OperationRegistry().Get(BuiltinOperations.SumList);
        TaskSpec spec = TaskSpec.Create(sumList, TaskArg.FromList(new TaskKey("a"), 2));

        object? total = sumList.Invoke(new TaskArguments("t", spec.Args, [new object?[] { 1.5, 2L }]));

        Assert.Equal(3.5, total);
    }

    private sealed class PooledHolder(PooledArray<double> array) : IDisposable
    {
        public PooledArray<double> Array { get; } = array;

        public void Dispose() => Array.Release();
    }
}
