using Deisa.Core.Graph;

namespace Deisa.Tests.Graph;

public sealed class TaskKeyTests
{
    [Fact]
    public void Tuple_ConvertsToEqualKey_WithSameHash()
    {
        TaskKey a = ("global_t", 3, 1, 0);
        var b = new TaskKey("global_t", 3, 1, 0);

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Equal(3, a.IndexCount);
        Assert.Equal(1, a[1]);
        Assert.Equal("global_t", a.Name);
    }

    [Fact]
    public void Keys_DifferingInIndexCountOrValues_AreNotEqual()
    {
        TaskKey[] keys = ["x", ("x", 0), ("x", 0, 0), ("x", 1), ("y", 0), ("x", 0, 1)];

        Assert.Equal(keys.Length, keys.Distinct().Count());
    }

    [Fact]
    public void ToString_ReadsLikeDaskTuple()
    {
        Assert.Equal("('global_t', 57, 1, 0)", new TaskKey("global_t", 57, 1, 0).ToString());
        Assert.Equal("'total'", new TaskKey("total").ToString());
    }

    [Fact]
    public void Indexer_OutOfRange_NamesTheKey()
    {
        TaskKey key = ("k", 1);

        ArgumentOutOfRangeException error = Assert.Throws<ArgumentOutOfRangeException>(() => key[1]);

        Assert.Contains("('k', 1)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    public void EmptyName_Rejected(string? name)
    {
        Assert.ThrowsAny<ArgumentException>(() => new TaskKey(name!));
    }

    [Fact]
    public void TooLongName_RejectedWithAdvice()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => new TaskKey(new string('a', 300)));

        Assert.Contains("indices", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TooManyIndices_Rejected()
    {
        Assert.Throws<ArgumentException>(() => new TaskKey("k", [1, 2, 3, 4, 5]));
    }

    [Fact]
    public void CompareTo_OrdersByNameThenIndices()
    {
        TaskKey[] sorted = new TaskKey[] { ("b", 0), ("a", 2), ("a", 10), "a" }.Order().ToArray();

        Assert.Equal(new TaskKey[] { "a", ("a", 2), ("a", 10), ("b", 0) }, sorted);
    }

    [Fact]
    public void Size_Is24Bytes()
    {
        Assert.Equal(24, System.Runtime.CompilerServices.Unsafe.SizeOf<TaskKey>());
    }

    [Fact]
    public void Default_IsEmpty()
    {
        // Pooled messages reset their keys to the default, which must be recognisable as "no key".
        Assert.True(default(TaskKey).IsEmpty);
        Assert.False(new TaskKey("k").IsEmpty);
    }
}
