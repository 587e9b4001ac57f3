using Deisa.Core.Errors;
using Deisa.Core.Graph;
using static Deisa.Tests.TestOperations;

namespace Deisa.Tests.Graph;

public sealed class TaskGraphTests
{
    [Fact]
    public void Add_SameKeySameSpec_Idempotent_OtherSpec_Throws()
    {
        var graph = new TaskGraph();
        graph.Add("k", TaskSpec.Create(Const, 1));
        graph.Add("k", TaskSpec.Create(Const, 1));

        DuplicateKeyException error = Assert.Throws<DuplicateKeyException>(() => graph.Add("k", TaskSpec.Create(Const, 2)));

        Assert.Single(graph);
        Assert.Contains("const(1)", error.Message, StringComparison.Ordinal);
        Assert.Contains("const(2)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cull_KeepsOnlyWhatOutputsNeed_InOrder()
    {
        var graph = new TaskGraph();
        TaskKey a = graph.Add("a", TaskSpec.Create(Const, 1));
        graph.Add("unused", TaskSpec.Create(Const, 2));
        TaskKey b = graph.Add("b", TaskSpec.Create(Inc, a));
        TaskKey c = graph.Add("c", TaskSpec.Create(Add, a, new TaskKey("outside")));

        TaskGraph culled = graph.Cull([b, c]);

        Assert.Equal([a, b, c], culled.Keys);
    }

    [Fact]
    public void Spec_Dependencies_DistinctInOrder_NestedListsIncluded()
    {
        TaskKey x = "x";
        TaskKey y = ("y", 1);

        TaskSpec spec = TaskSpec.Create(Mix, 1, TaskArg.FromList(y, x, TaskArg.FromList(x, y, 3)));

        Assert.Equal([y, x], spec.Dependencies.ToArray());
    }

    [Fact]
    public void Spec_WrongArgumentCount_ThrowsNamingOperation()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => TaskSpec.Create(Add, 1));

        Assert.Contains("'add' takes 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Spec_Equality_IsStructural()
    {
        Assert.Equal(TaskSpec.Create(Mix, 1, TaskArg.FromInt64Array(1, 2)), TaskSpec.Create(Mix, 1, TaskArg.FromInt64Array(1, 2)));
        Assert.NotEqual(TaskSpec.Create(Mix, 1, TaskArg.FromInt64Array(1, 2)), TaskSpec.Create(Mix, 1, TaskArg.FromInt64Array(1, 3)));
        Assert.NotEqual(TaskSpec.Create(Inc, 1), TaskSpec.Create(Const, 1));
    }

    [Fact]
    public void Registry_UnknownName_ListsRegistered()
    {
        UnknownOperationException error = Assert.Throws<UnknownOperationException>(() => Registry.Get("nope"));

        Assert.Contains("'nope'", error.Message, StringComparison.Ordinal);
        Assert.Contains("inc", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registry_SameNameOtherCode_Throws_SameCodeAccepted()
    {
        var registry = new OperationRegistry();
        Func<long, long> twice = static x => 2 * x;
        Operation first = registry.Register("twice", twice);

        Assert.Same(first, registry.Register("twice", twice));
        Assert.Throws<ArgumentException>(() => registry.Register<long, long>("twice", static x => 3 * x));
    }

    [Fact]
    public void Arguments_Get_ConvertsPlainValues_AndNamesBadCasts()
    {
        TaskSpec spec = TaskSpec.Create(Mix, 7, TaskArg.FromList(new TaskKey("k")));
        object?[] resolved = [null, new object?[] { "value" }];
        var args = new TaskArguments("task", spec.Args, resolved);

        Assert.Equal(7, args.Get<int>(0));
        Assert.Equal(7.0, args.Get<double>(0));
        Assert.Equal("value", args.GetList(1)[0]);
        InvalidCastException error = Assert.Throws<InvalidCastException>(() => new TaskArguments("task", spec.Args, resolved).Get<string>(0));
        Assert.Contains("'task'", error.Message, StringComparison.Ordinal);
    }
}
