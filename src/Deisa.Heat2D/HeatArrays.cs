using Deisa.Core.Arrays;
using Deisa.Heat2D.Configuration;
using Deisa.Heat2D.Simulation;

namespace Deisa.Heat2D;

/// <summary>The array the mini-app publishes.</summary>
internal static class HeatArrays
{
    /// <summary>The temperature's interior each step, shape [steps, height, width], dimensions (t, X, Y).</summary>
    public const string Field = "global_t";

    public static readonly string[] Dimensions = ["t", "X", "Y"];

    /// <summary>One rank's declaration of <see cref="Field"/>.</summary>
    public static ArrayDeclaration Declare(HeatConfig config, Decomposition place) => new(
        Field,
        ElementType.Float64,
        [config.Steps, config.Size!.Height, config.Size.Width],
        0,
        [place.Y0, place.X0],
        [place.BlockHeight, place.BlockWidth],
        Dimensions);
}
