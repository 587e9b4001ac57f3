using Deisa.Core.Arrays;
using Deisa.Heat2D.Configuration;
using Deisa.Heat2D.Simulation;

namespace Deisa.Heat2D;

/// <summary>The array the mini-app publishes.</summary>
internal static class HeatArrays
{
    /// <summary>The temperature's interior each step, shape [steps, height, width], dimensions (t, X, Y).</summary>
    public const string Field = "global_t";

    /// <summary>The field downsampled on the simulation ranks (<see cref="HeatConfig.Downsample"/>), shape [steps, ⌈height/n⌉, ⌈width/n⌉].</summary>
    public const string Coarse = "global_t_coarse";

    public static readonly string[] Dimensions = ["t", "X", "Y"];

    /// <summary>The array the analytics read: the field, or its downsample.</summary>
    public static string Read(HeatConfig config) => config.Downsample > 1 ? Coarse : Field;

    /// <summary>
    /// One rank's declaration of <see cref="Field"/>; open-ended when the analytics may stop the run, so that what they
    /// planned over time ends with the steps run.
    /// </summary>
    public static ArrayDeclaration Declare(HeatConfig config, Decomposition place) => new(
        Field,
        ElementType.Float64,
        [config.Steered ? ArrayDeclaration.OpenEnded : config.Steps, config.Size!.Height, config.Size.Width],
        0,
        [place.Y0, place.X0],
        [place.BlockHeight, place.BlockWidth],
        Dimensions);
}
