/* CoColor OpenCL kernels: shared definitions.  Every buffer argument named
 * arena is the plan's activation arena; values are at element offsets
 * (the plan's byte offsets / 4), so one cl_mem serves the whole pass. */

/* The same numbers as CcActivation in ops/cc-model.h. */
#define ACT_NONE 0
#define ACT_RELU 1
#define ACT_LEAKY_RELU 2
#define ACT_SILU 3
#define ACT_SIGMOID 4
#define ACT_TANH 5

float
activate (float v, int act, float alpha)
{
  switch (act)
    {
    case ACT_RELU:
      return v > 0.0f ? v : 0.0f;
    case ACT_LEAKY_RELU:
      return v > 0.0f ? v : v * alpha;
    case ACT_SILU:
      return v / (1.0f + exp (-v));
    case ACT_SIGMOID:
      return 1.0f / (1.0f + exp (-v));
    case ACT_TANH:
      return tanh (v);
    default:
      return v;
    }
}
