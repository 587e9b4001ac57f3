using Deisa.Ml;

namespace Deisa.Tests.Ml;

/// <summary>Every step of scikit-learn's IncrementalPCA, reproduced by each exact solver on each backend.</summary>
public sealed class IncrementalPcaReferenceTests
{
    public static TheoryData<string, SvdSolver, LinearAlgebraBackend> Cases()
    {
        var data = new TheoryData<string, SvdSolver, LinearAlgebraBackend>();
        foreach (string name in SklearnReference.Names)
        {
            foreach (SvdSolver solver in (SvdSolver[])[SvdSolver.Full, SvdSolver.LeadingK])
            {
                foreach (LinearAlgebraBackend backend in (LinearAlgebraBackend[])[LinearAlgebraBackend.Native, LinearAlgebraBackend.Managed])
                {
                    data.Add(name, solver, backend);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PartialFit_EachStep_MatchesScikitLearn(string name, SvdSolver solver, LinearAlgebraBackend backend)
    {
        SklearnReference.Case reference = SklearnReference.Get(name);
        var pca = new InSituIncrementalPCA(reference.NComponents, whiten: reference.Whiten, svdSolver: solver, backend: backend);
        for (int step = 0; step < reference.Batches.Length; step++)
        {
            pca.PartialFit(reference.Batches[step]);
            IncrementalPcaState state = pca.State!;
            SklearnReference.Step expected = reference.Steps[step];
            string what = $"{name} step {step} ({solver}, {backend})";

            // The tolerances: spectrum to 1e-8 relative, components to 1e-6 with the same signs.
            Assert.Equal(expected.NSamplesSeen, state.NSamplesSeen);
            PcaAssert.Relative(expected.SingularValues, state.SingularValues.Data, 1e-8, $"{what} singular values");
            PcaAssert.Relative(expected.ExplainedVariance, state.ExplainedVariance.Data, 1e-8, $"{what} explained variance");
            PcaAssert.Relative(expected.ExplainedVarianceRatio, state.ExplainedVarianceRatio.Data, 1e-8, $"{what} explained variance ratio");
            PcaAssert.Absolute(expected.Components.Data, state.Components.Data, 1e-6, $"{what} components");
            PcaAssert.Relative(expected.Mean, state.Mean.Data, 1e-10, $"{what} mean");
            PcaAssert.Relative(expected.Var, state.Var.Data, 1e-10, $"{what} var");
            PcaAssert.Relative([expected.NoiseVariance], [state.NoiseVariance], 1e-8, $"{what} noise variance");
        }

        PcaAssert.Absolute(reference.TransformOfFirstBatch.Data, pca.Transform(reference.Batches[0]).Data, 1e-6, $"{name} transform ({solver}, {backend})");
    }

    [Fact]
    public void LeadingK_OnEveryReferenceStep_AgreesWithFullTo1e8()
    {
        foreach (string name in SklearnReference.Names)
        {
            SklearnReference.Case reference = SklearnReference.Get(name);
            var full = new InSituIncrementalPCA(reference.NComponents, svdSolver: SvdSolver.Full);
            var leading = new InSituIncrementalPCA(reference.NComponents, svdSolver: SvdSolver.LeadingK);
            foreach (var batch in reference.Batches)
            {
                full.PartialFit(batch);
                leading.PartialFit(batch);
                PcaAssert.SameState(full.State!, leading.State!, 1e-8, 1e-8, $"{name} leading-k vs full");
                PcaAssert.Relative([full.State!.NoiseVariance], [leading.State!.NoiseVariance], 1e-8, $"{name} noise variance");
            }
        }
    }
}
