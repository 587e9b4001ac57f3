using System.Globalization;
using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Core.Errors;

namespace Deisa.MpiTestApp;

/// <summary>
/// The contract changes while the simulation runs (the "coupling" scenario's field, with <c>--changes</c>): the
/// analytics first read steps 0 to 3; once those are in, they persist steps 16 to 19 (the contract grows), persist
/// steps 20 to the end and release them at once (it grows and shrinks back), and ask for steps 0 and 1, which are gone
/// (refused, naming them). The simulation must ship exactly steps 0 to 3 and 16 to 19.
/// </summary>
/// <remarks>
/// Give it at least 24 steps, a step delay that leaves the analytics time to ask before step 16 (100 ms), and
/// <c>--wait-contract</c> so that this time starts with the first contract.
/// </remarks>
internal static class ContractChanges
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    public static int Analyse(DeisaClient client, int steps, int height, int width)
    {
        DeisaArray field = client.GetArrays()["global_t"];
        bool ok = true;
        using (PersistedArray first = field[..4, .., ..].Sum("Y", "X").Persist())
        {
            client.ValidateContract();
            ok &= CheckSums(first.Result(s_timeout), 0, height, width, "first");
        }

        using PersistedArray later = field[16..20, .., ..].Sum("Y", "X").Persist();
        Console.WriteLine("GREW later=16..19");
        using (field[20.., .., ..].Sum("Y", "X").Persist())
        {
            Console.WriteLine($"GREW released=20..{steps - 1}");
        }

        try
        {
            field[..2, .., ..].Sum().Persist();
            Program.Check(false, "gone-refused", "asking for steps 0 and 1 after they went by was accepted");
            ok = false;
        }
        catch (GraphValidationException error)
        {
            bool named = error.Message.Contains("steps 0..1 of 'global_t'", StringComparison.Ordinal) && error.Message.Contains("are gone", StringComparison.Ordinal);
            Program.Check(named, "gone-refused", error.Message);
            ok &= named;
        }

        ok &= CheckSums(later.Result(s_timeout), 16, height, width, "later");
        return ok ? 0 : 3;
    }

    private static bool CheckSums(NdArray sums, int firstStep, int height, int width, string name)
    {
        bool ok = sums.Data.Length == 4;
        for (int i = 0; i < sums.Data.Length; i++)
        {
            int t = firstStep + i;
            double expected = 0;
            for (long y = 0; y < height; y++)
            {
                for (long x = 0; x < width; x++)
                {
                    expected += Coupling.Value(t, y, x);
                }
            }

            bool same = Math.Abs(sums.Data[i] - expected) <= 1e-9 * Math.Abs(expected);
            Program.Check(same, $"{name}-{t}", string.Create(CultureInfo.InvariantCulture, $"{sums.Data[i]} expected {expected}"));
            ok &= same;
        }

        return ok;
    }
}
