/* Prints the hint planes the op makes of a hint picture (ops/cc-hints.h),
 * for hints_near_parity.py to hold against the training side's encoding.
 *
 *   hints-near-dump RGBA_FILE WIDTH HEIGHT MIN_RADIUS > PLANES
 *
 * RGBA_FILE: WIDTH x HEIGHT R'G'B'A u8 pixels, one a working cell; PLANES:
 * the CC_HINT_PLANES planes as native float32, plane after plane. */
#include <stdio.h>
#include <stdlib.h>

#include "cc-hints.h"

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *rgba = NULL;
  gsize length;
  gsize hinted;

  if (argc != 5)
    {
      fprintf (stderr, "usage: %s RGBA_FILE WIDTH HEIGHT MIN_RADIUS\n", argv[0]);
      return 2;
    }
  const int w = atoi (argv[2]), h = atoi (argv[3]), min_radius = atoi (argv[4]);
  if (!g_file_get_contents (argv[1], (char **)&rgba, &length, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  g_autoptr (CcHintGrid) grid = cc_hint_grid_new (w, h, w, h);
  if (!grid || length != (gsize)w * h * 4)
    {
      fprintf (stderr, "%s: not %d x %d RGBA pixels\n", argv[1], w, h);
      return 1;
    }
  const gsize n = (gsize)w * h * CC_HINT_PLANES;
  g_autofree float *planes = g_new (float, n);
  cc_hint_grid_add (grid, rgba, 0, 0, w, h, (gsize)w * 4);
  if (!cc_hint_grid_finish (grid, min_radius, planes, &hinted)
      || fwrite (planes, sizeof (float), n, stdout) != n)
    return 1;
  return 0;
}
