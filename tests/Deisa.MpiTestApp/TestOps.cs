using Deisa.Core.Graph;

namespace Deisa.MpiTestApp;

/// <summary>The operations every rank of the test programs registers: the built-in ones are enough.</summary>
public static class TestOps
{
    public static OperationRegistry Registry { get; } = new();
}
