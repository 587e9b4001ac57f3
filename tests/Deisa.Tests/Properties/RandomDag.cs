using Deisa.Core.Graph;
using static Deisa.Tests.TestOperations;

namespace Deisa.Tests.Properties;

/// <summary>A random task graph over random external keys, with its values computed sequentially.</summary>
internal sealed class RandomDag
{
    public RandomDag(int tasks, int externals, int seed, double failRate)
    {
        var random = new Random(seed);
        var candidates = new List<TaskKey>();
        for (int j = 0; j < externals; j++)
        {
            TaskKey key = ("ext", seed & 0xFFFF, j);
            Externals.Add(key, random.NextInt64());
            candidates.Add(key);
        }

        for (int i = 0; i < tasks; i++)
        {
            TaskKey key = ("task", i);
            int count = random.Next(0, Math.Min(4, candidates.Count) + 1);
            var dependencies = new List<TaskKey>();
            for (int d = 0; d < count; d++)
            {
                TaskKey pick = candidates[random.Next(candidates.Count)];
                dependencies.Add(pick);
            }

            long salt = random.NextInt64();
            bool fails = random.NextDouble() < failRate;
            Graph.Add(key, TaskSpec.Create(MixOrFail, salt, TaskArg.FromKeys(dependencies), fails));
            Failing[key] = fails;
            candidates.Add(key);
            if (random.NextDouble() < 0.4 || i == tasks - 1)
            {
                Wanted.Add(key);
            }
        }

        Evaluate();
    }

    public TaskGraph Graph { get; } = new();

    public Dictionary<TaskKey, long> Externals { get; } = [];

    public List<TaskKey> Wanted { get; } = [];

    /// <summary>Gets whether each task's own operation throws.</summary>
    public Dictionary<TaskKey, bool> Failing { get; } = [];

    /// <summary>Gets each task's value, or null if it fails by itself or through a dependency.</summary>
    public Dictionary<TaskKey, long?> Values { get; } = [];

    /// <summary>Gets, for each task, the failing tasks it is or depends on (its possible causes).</summary>
    public Dictionary<TaskKey, HashSet<TaskKey>> Causes { get; } = [];

    private void Evaluate()
    {
        foreach ((TaskKey key, TaskSpec spec) in Graph)
        {
            var causes = new HashSet<TaskKey>();
            var inputs = new List<long>();
            foreach (TaskArg item in spec.Args[1].Items)
            {
                TaskKey dependency = item.Key;
                if (Externals.TryGetValue(dependency, out long external))
                {
                    inputs.Add(external);
                    continue;
                }

                causes.UnionWith(Causes[dependency]);
                inputs.Add(Values[dependency] ?? 0);
            }

            if (Failing[key])
            {
                causes.Add(key);
            }

            Causes[key] = causes;
            Values[key] = causes.Count == 0 ? MixValue(spec.Args[0].Int64, inputs) : null;
        }
    }
}
