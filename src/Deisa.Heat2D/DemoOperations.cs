using Deisa.Core.Graph;

namespace Deisa.Heat2D;

/// <summary>The analytics operations of the demo, registered by name as every rank would.</summary>
public static class DemoOperations
{
    /// <summary>Gets the registry holding the demo's operations.</summary>
    public static OperationRegistry Registry { get; } = Create();

    /// <summary>Gets the operation summing one block of doubles.</summary>
    public static Operation BlockSum { get; } = Registry.Get(BuiltinOperations.Sum);

    /// <summary>Gets the operation dividing the sum of its inputs by a count.</summary>
    public static Operation MeanOf { get; } = Registry.Get("heat.mean-of");

    /// <summary>Gets the operation returning its second input minus its first.</summary>
    public static Operation Difference { get; } = Registry.Get("heat.difference");

    private static OperationRegistry Create()
    {
        var registry = new OperationRegistry();
        registry.Register("heat.mean-of", static args =>
        {
            double sum = 0;
            foreach (object? part in args.GetList(0))
            {
                sum += (double)part!;
            }

            return sum / args.GetInt64(1);
        }, 2, 2);
        registry.Register<double, double, double>("heat.difference", static (before, after) => after - before);
        return registry;
    }
}
