using Deisa.Heat2D.Configuration;

namespace Deisa.Tests.Heat2D;

public sealed class HeatConfigTests
{
    private static readonly string s_default = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "heat2d.yml"));

    private static string Error(string yaml) => Assert.Throws<ConfigException>(() => ConfigLoader.Parse(yaml, "test.yml")).Message;

    [Fact]
    public void Default_Parses_NeedsFourRanks()
    {
        HeatConfig config = ConfigLoader.Parse(s_default, "heat2d.yml");
        Assert.Equal(RunMode.Deisa3, config.RunMode);
        Assert.Equal(4, config.TotalRanks);
        Assert.NotNull(config.Find(AnalyticConfig.Ipca));
    }

    [Theory]
    [InlineData("grid: {rows: 2, cols: 1}", "grid: {rows: 3, cols: 1}", "size.height: 256 does not split over grid.rows = 3")]
    [InlineData("mode: deisa3", "mode: deisa2", "mode: 'deisa2' is not a mode; expected deisa3, deisa1, none, posthoc")]
    [InlineData("kind: spatial_mean", "kind: histogram", "analytics[1].kind: 'histogram' is not an analytic; expected ipca, spatial_mean, time_derivative_mean")]
    [InlineData("n_components: 2", "n_components: 0", "analytics[0].n_components: 0; expected 1 to 256")]
    [InlineData("svd_solver: leading_k", "svd_solver: arpack", "analytics[0].svd_solver: 'arpack' is not a solver")]
    [InlineData("steps: 40", "steps: -3", "steps: -3; expected a positive integer")]
    [InlineData("arrays: [global_t]", "arrays: [pressure]", "arrays: [pressure]; the mini-app publishes one array: expected [global_t]")]
    [InlineData("analytics_ranks: 2", "analytics_ranks: 0", "analytics_ranks: 0; mode deisa3 needs at least 1")]
    [InlineData("inner: 25", "inner: fast", "line 7, column 8: a value has the wrong type")]
    [InlineData("inner: 25", "iterations: 25", "line 7, column 1: unknown key 'iterations'; expected one of size, grid, steps, inner")]
    [InlineData("size: {height: 256, width: 256}", "size: {height: 256, depth: 256}", "unknown key 'depth'; expected one of height, width")]
    [InlineData("output: heat2d-output", "output: ", "output: missing")]
    [InlineData("output: heat2d-output", "output: o\nbackpressure: {max_steps_in_flight: -1}", "backpressure.max_steps_in_flight: -1; expected a positive number of steps, or 0 for no bound")]
    [InlineData("output: heat2d-output", "output: o\nbackpressure: {max_steps_in_flight: 1}", "backpressure.max_steps_in_flight: 1; time_derivative_mean reads each step with the next one")]
    [InlineData("output: heat2d-output", "output: o\nbackpressure: {max_steps_in_flight: 4, policy: drop}", "backpressure.policy: 'drop'; expected block")]
    [InlineData("mode: deisa3", "mode: deisa1\nbackpressure: {max_steps_in_flight: 4}", "backpressure: set in mode deisa1")]
    [InlineData("  - kind: spatial_mean", "  - kind: rolling_mean", "analytics[1].window: 0; expected 1 to 40 steps (the steps read: steps 40 with selection.every 1). rolling_mean needs its window: {kind: rolling_mean, window: 5}.")]
    [InlineData("  - kind: spatial_mean", "  - {kind: rolling_mean, window: 41}", "analytics[1].window: 41; expected 1 to 40 steps")]
    [InlineData("  - kind: spatial_mean", "  - {kind: rolling_mean, window: 4, max_concurrency: 0}", "analytics[1].max_concurrency: 0; expected how many of the rolling mean's calls may run at once: 1 (each after the previous) or more (default 4).")]
    [InlineData("output: heat2d-output", "output: o\ncopy_budget_mib: -1", "copy_budget_mib: -1; expected 0 (every block sent from the field itself) or a positive number of MiB")]
    [InlineData("output: heat2d-output", "output: o\nstaging_before_contract_mib: -1", "staging_before_contract_mib: -1; expected 0 (the first publish waits for the contract) or a positive number of MiB")]
    [InlineData("output: heat2d-output", "output: o\ndownsample: 0", "downsample: 0; expected a stride of 2 or more (every n-th row and column), or 1 for none.")]
    [InlineData("output: heat2d-output", "output: o\ndownsample: 257", "downsample: 257; a block is 128x256 cells, and every block must keep at least one: expected 2 to 128.")]
    [InlineData("mode: deisa3", "mode: posthoc\ndownsample: 2", "downsample: set in mode posthoc; the simulation ranks downsample before shipping, which needs the contract: use mode deisa3.")]
    [InlineData("output: heat2d-output", "output: o\nstop_when_mean_change_below: -1", "stop_when_mean_change_below: -1; expected a positive change of the spatial mean")]
    [InlineData("output: heat2d-output", "output: o\nstop_when_mean_change_below: .nan", "stop_when_mean_change_below: NaN; expected a positive change")]
    [InlineData("output: heat2d-output", "output: o\nstop_when_mean_change_below: 0.5", "stop_when_mean_change_below: set with ipca, which is planned over every step; a run that stops at a step not known in advance can have spatial_mean and rolling_mean: remove ipca, or the stop.")]
    [InlineData("mode: deisa3", "mode: deisa1\nstop_when_mean_change_below: 0.5", "stop_when_mean_change_below: set in mode deisa1; the analytics stop the simulation while it runs, which needs mode deisa3.")]
    public void BadValue_MessageNamesKeyValueAndExpectation(string from, string to, string expected)
    {
        Assert.Contains(from, s_default, StringComparison.Ordinal);
        string message = Error(s_default.Replace(from, to, StringComparison.Ordinal));
        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.StartsWith("test.yml: ", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mode: deisa3", "", HeatConfig.DefaultMaxStepsInFlight)]
    [InlineData("mode: posthoc", "", HeatConfig.DefaultMaxStepsInFlight)]
    [InlineData("mode: deisa1", "", 0)]
    [InlineData("mode: none", "", 0)]
    [InlineData("mode: deisa3", "\nbackpressure: {max_steps_in_flight: 0}", 0)]
    [InlineData("mode: deisa1", "\nbackpressure: {max_steps_in_flight: 0}", 0)]
    [InlineData("mode: deisa3", "\nbackpressure: {max_steps_in_flight: 3}", 3)]
    public void StepsInFlight_BoundedByDefaultWhereTheAnalyticsLetGo_ZeroForNone(string mode, string backpressure, int expected)
    {
        HeatConfig config = ConfigLoader.Parse(s_default.Replace("mode: deisa3", mode + backpressure, StringComparison.Ordinal), "test.yml");
        Assert.Equal(expected, config.MaxStepsInFlight);
    }

    [Fact]
    public void RollingMean_BoundBelowItsWindowRefused_DefaultBoundMadeRoomForIt_Deisa1Refused()
    {
        string rolling = s_default.Replace("  - kind: spatial_mean", "  - {kind: rolling_mean, window: 4}", StringComparison.Ordinal);
        string bounded = Error(rolling.Replace("output: heat2d-output", "output: o\nbackpressure: {max_steps_in_flight: 4}", StringComparison.Ordinal));
        Assert.Contains("backpressure.max_steps_in_flight: 4; rolling_mean holds its window of 4 steps while the next one comes, so at least 5 must be in flight", bounded, StringComparison.Ordinal);

        // The default bound makes room for the window, and for one more step per call that may run beside the oldest.
        string wide = s_default.Replace("steps: 40", "steps: 400", StringComparison.Ordinal).Replace("  - kind: spatial_mean", "  - {kind: rolling_mean, window: 100}", StringComparison.Ordinal);
        Assert.Equal(100 + AnalyticConfig.DefaultRollingCalls, ConfigLoader.Parse(wide, "test.yml").MaxStepsInFlight);
        Assert.Equal(101, ConfigLoader.Parse(wide.Replace("window: 100}", "window: 100, max_concurrency: 1}", StringComparison.Ordinal), "test.yml").MaxStepsInFlight);

        string deisa1 = Error(rolling.Replace("mode: deisa3", "mode: deisa1", StringComparison.Ordinal));
        Assert.Contains("analytics[1].kind: rolling_mean runs as a window callback, which needs the contract: use it in mode deisa3 or posthoc.", deisa1, StringComparison.Ordinal);
    }

    [Fact]
    public void Downsample_SelectionAndComponentsCheckedAgainstTheCoarseField()
    {
        string coarse = s_default.Replace("output: heat2d-output", "output: o\ndownsample: 4\nselection: {rows: [0, 65]}", StringComparison.Ordinal);
        Assert.Contains("selection.rows: [0, 65]; expected [first, end] with 0 <= first < end <= the downsampled height (64).", Error(coarse), StringComparison.Ordinal);
        HeatConfig config = ConfigLoader.Parse(coarse.Replace("[0, 65]", "[0, 64]", StringComparison.Ordinal), "test.yml");
        Assert.Equal((64, 64), (config.ReadHeight, config.ReadWidth));
    }

    [Fact]
    public void MalformedOrEmptyOrMissing_ClearErrors()
    {
        Assert.Matches(@"^test\.yml: line \d+, column \d+: While parsing a flow mapping", Error("size: {height: 256, width"));
        Assert.Contains("the file is empty", Error(string.Empty), StringComparison.Ordinal);
        Assert.Contains("size: missing", Error("steps: 3"), StringComparison.Ordinal);
        Assert.Contains("not found", Assert.Throws<ConfigException>(() => ConfigLoader.Load("/nonexistent/heat.yml")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckRanks_WrongCount_SaysWhatToRun()
    {
        HeatConfig config = ConfigLoader.Parse(s_default, "heat2d.yml");
        ConfigLoader.CheckRanks(config, 4, "heat2d.yml");
        string message = Assert.Throws<ConfigException>(() => ConfigLoader.CheckRanks(config, 3, "heat2d.yml")).Message;
        Assert.Contains("need 4 ranks (2 simulation + 2 analytics), but the job has 3. Run mpiexec.mpich -n 4", message, StringComparison.Ordinal);
    }
}
