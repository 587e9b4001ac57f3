namespace Deisa.Core.Graph;

/// <summary>Operations every <see cref="OperationRegistry"/> has from the start, under names starting with <c>deisa.</c>.</summary>
public static class BuiltinOperations
{
    /// <summary>The sum of the elements of an array of doubles (a double[], a pooled array or a memory), as a double.</summary>
    public const string Sum = "deisa.sum";

    /// <summary>The sum of a list of numbers (the values of a list argument), as a double.</summary>
    public const string SumList = "deisa.sum-list";

    internal static void AddTo(OperationRegistry registry)
    {
        Arrays.ArrayOperations.AddTo(registry);
        registry.Register(Sum, static args =>
        {
            double total = 0;
            foreach (double x in args.GetSpan<double>(0))
            {
                total += x;
            }

            return total;
        }, 1, 1);
        registry.Register(SumList, static args =>
        {
            double total = 0;
            foreach (object? part in args.GetList(0))
            {
                total += Convert.ToDouble(part, System.Globalization.CultureInfo.InvariantCulture);
            }

            return total;
        }, 1, 1);
    }
}
