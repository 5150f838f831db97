/* Element-wise layers, one work-item per output element. */

__kernel void
activation (__global float *arena, ulong in_off, ulong out_off, int act, float alpha)
{
  size_t i = get_global_id (0);
  arena[out_off + i] = activate (arena[in_off + i], act, alpha);
}

__kernel void
add (__global float *arena, ulong a_off, ulong b_off, ulong out_off)
{
  size_t i = get_global_id (0);
  arena[out_off + i] = arena[a_off + i] + arena[b_off + i];
}

/* plane == 0: b has a's shape; otherwise b is [C,1,1], one factor per plane
 * elements of a. */
__kernel void
mul (__global float *arena, ulong a_off, ulong b_off, ulong plane, ulong out_off)
{
  size_t i = get_global_id (0);
  float b = plane ? arena[b_off + i / plane] : arena[b_off + i];
  arena[out_off + i] = arena[a_off + i] * b;
}

/* Concat: one input into its channels of the output. */
__kernel void
copy (__global float *arena, ulong in_off, ulong out_off)
{
  size_t i = get_global_id (0);
  arena[out_off + i] = arena[in_off + i];
}
