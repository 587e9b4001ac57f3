using Deisa.Core.Graph;

namespace Deisa.MpiTestApp;

/// <summary>The operations every rank of the test programs registers.</summary>
public static class TestOps
{
    public static OperationRegistry Registry { get; } = Create();

    private static OperationRegistry Create()
    {
        var registry = new OperationRegistry();
        registry.Register("block-sum", static args =>
        {
            double sum = 0;
            foreach (double x in args.GetSpan<double>(0))
            {
                sum += x;
            }

            return sum;
        }, 1, 1);
        registry.Register("sum-list", static args =>
        {
            double sum = 0;
            foreach (object? part in args.GetList(0))
            {
                sum += (double)part!;
            }

            return sum;
        }, 1, 1);
        registry.Register<string, double>("fail", static message => throw new InvalidOperationException(message));
        return registry;
    }
}
