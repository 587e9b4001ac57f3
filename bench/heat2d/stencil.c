/* The Heat2D stencil in C, the reference the C# kernel is measured against (bench/heat2d/run_stencil_benchmark.sh).
 * Same scheme, same order of additions as src/Deisa.Heat2D/Simulation/HeatBlock.cs; built with -ffp-contract=off so
 * that no multiply-add is fused, as in C#. restrict tells gcc the two fields do not overlap, so it may vectorise. */
void deisa_heat_stencil(const double *restrict cur, double *restrict next, int rows, int cols, int stride)
{
    for (int y = 1; y <= rows; y++) {
        const double *restrict c = cur + (long)y * stride;
        double *restrict n = next + (long)y * stride;
        for (int x = 1; x <= cols; x++) {
            n[x] = 0.5 * c[x] + 0.125 * (((c[x - 1] + c[x + 1]) + c[x - stride]) + c[x + stride]);
        }
    }
}
