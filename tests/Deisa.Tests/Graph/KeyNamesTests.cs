using Deisa.Core.Arrays;
using Deisa.Core.Graph;

namespace Deisa.Tests.Graph;

public sealed class KeyNamesTests
{
    [Fact]
    public void GeneratedNames_AreNotInterned_AndReadBack()
    {
        int before = KeyNames.InternedCount;
        var names = new List<string>();
        for (int i = 0; i < 1000; i++)
        {
            string name = DeisaArrays.NewName(i % 2 == 0 ? "mean" : "slice");
            names.Add(name);
            var key = new TaskKey(name, i, 0);
            var combined = new TaskKey($"{name}-combine{i % 5}", 0);
            var partial = new TaskKey($"{name}-partial", 0, 1);
            Assert.Equal(name, key.Name);
            Assert.Equal($"{name}-combine{i % 5}", combined.Name);
            Assert.Equal($"{name}-partial", partial.Name);
        }

        // Other tests may intern names meanwhile, but not a thousand of them.
        Assert.True(KeyNames.InternedCount - before < 100, $"{KeyNames.InternedCount - before} names were interned.");
        Assert.Equal(names.Count, names.Select(n => new TaskKey(n)).Distinct().Count());
    }

    [Theory]
    [InlineData("mean-17")]
    [InlineData("mean-17-combine0")]
    [InlineData("mean-17-combine61")]
    [InlineData("sum-3-partial")]
    [InlineData("slice-0")]
    [InlineData("std-281474976710655")]
    public void NameOfGeneratedForm_HasOneCode_FromTextCharsOrBytes(string name)
    {
        long fromText = KeyNames.Intern(name);
        long fromChars = KeyNames.Intern(name.AsSpan());
        long fromBytes = KeyNames.InternUtf8(System.Text.Encoding.UTF8.GetBytes(name));

        Assert.Equal(fromText, fromChars);
        Assert.Equal(fromText, fromBytes);
        Assert.Equal(name, KeyNames.Get(fromText));
    }

    [Theory]
    [InlineData("mean-017")]
    [InlineData("mean-00")]
    [InlineData("mean-")]
    [InlineData("mean-1x")]
    [InlineData("mean-1-combine")]
    [InlineData("mean-1-combine62")]
    [InlineData("mean-1-partial0")]
    [InlineData("mean-1-partial-combine0")]
    [InlineData("mean-1-combine01")]
    [InlineData("median-1")]
    [InlineData("-1")]
    [InlineData("std-281474976710656")]
    [InlineData("température-1")]
    public void NameNotOfGeneratedForm_IsInterned_AndReadsBackExactly(string name)
    {
        long code = KeyNames.Intern(name);

        Assert.Equal(name, KeyNames.Get(code));
        Assert.Equal(code, KeyNames.InternUtf8(System.Text.Encoding.UTF8.GetBytes(name)));
    }

    [Fact]
    public void LeadingZeros_GiveADifferentKeyThanTheGeneratedName()
    {
        Assert.NotEqual(new TaskKey("mean-17", 0), new TaskKey("mean-017", 0));
    }

    [Fact]
    public void CompareTo_OrdersMixedNamesAsTheirTexts()
    {
        string[] names = ["mean-9", "mean-10", "mean-10-combine1", "mean-10-partial", "alpha", "mean", "slice-3", "zeta", "Mean-1", "é"];
        TaskKey[] keys = [.. names.Select(n => new TaskKey(n, 1))];

        string[] byKeys = [.. keys.Order().Select(k => k.Name)];
        string[] byText = [.. names.Order(StringComparer.Ordinal)];

        Assert.Equal(byText, byKeys);
    }

    [Fact]
    public void NewName_UnknownOperation_IsRefused()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => KeyNames.NewGenerated("median"));

        Assert.Contains("'median'", error.Message, StringComparison.Ordinal);
    }
}
