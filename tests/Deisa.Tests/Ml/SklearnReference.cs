using System.Text.Json;
using Deisa.Core.Arrays;

namespace Deisa.Tests.Ml;

/// <summary>scikit-learn's IncrementalPCA results on fixed batches, from tools/ml/generate_ipca_reference.py.</summary>
internal static class SklearnReference
{
    private static readonly Lazy<IReadOnlyDictionary<string, Case>> s_cases = new(() => Load());

    public static IEnumerable<string> Names => s_cases.Value.Keys;

    public static Case Get(string name) => s_cases.Value[name];

    private static Dictionary<string, Case> Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Ml", "Data", "ipca_reference.json");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        var cases = new Dictionary<string, Case>();
        foreach (JsonElement item in document.RootElement.GetProperty("cases").EnumerateArray())
        {
            var steps = item.GetProperty("steps").EnumerateArray().Select(s => new Step(
                Matrix(s.GetProperty("components")),
                Vector(s.GetProperty("explained_variance")),
                Vector(s.GetProperty("explained_variance_ratio")),
                Vector(s.GetProperty("singular_values")),
                Vector(s.GetProperty("mean")),
                Vector(s.GetProperty("var")),
                s.GetProperty("noise_variance").GetDouble(),
                s.GetProperty("n_samples_seen").GetInt64())).ToArray();
            string name = item.GetProperty("name").GetString()!;
            cases[name] = new Case(
                name,
                item.GetProperty("n_components").GetInt32(),
                item.GetProperty("whiten").GetBoolean(),
                [.. item.GetProperty("batches").EnumerateArray().Select(Matrix)],
                steps,
                Matrix(item.GetProperty("transform_of_first_batch")));
        }

        return cases;
    }

    private static double[] Vector(JsonElement element) => [.. element.EnumerateArray().Select(e => e.GetDouble())];

    private static NdArray Matrix(JsonElement element)
    {
        double[][] rows = [.. element.EnumerateArray().Select(Vector)];
        return new NdArray([rows.Length, rows[0].Length], [.. rows.SelectMany(r => r)]);
    }

    public sealed record Case(string Name, int NComponents, bool Whiten, NdArray[] Batches, Step[] Steps, NdArray TransformOfFirstBatch);

    public sealed record Step(
        NdArray Components,
        double[] ExplainedVariance,
        double[] ExplainedVarianceRatio,
        double[] SingularValues,
        double[] Mean,
        double[] Var,
        double NoiseVariance,
        long NSamplesSeen);
}
