/* The CPU backend's own SGEMM (ops/core/cpu/cc-cpu-sgemm.c) against a
 * naive product in double precision: every kernel this CPU runs, all sizes
 * around the register and cache blocks (odd ones, 1, past MR, NR, MC, KC,
 * NC), leading dimensions wider than the matrices (what is outside C stays
 * untouched), and the same elements bit for bit however C is split. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "cc-cpu-sgemm.h"

static const char *kernel_names[] = { "portable", "avx2", "avx512" };

/* Values in [-1, 1] from a fixed seed. */
static float *
random_matrix (GRand *rand, gsize n)
{
  float *m = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    m[i] = (float)g_rand_double_range (rand, -1.0, 1.0);
  return m;
}

/* C = A B with lda, ldb, ldc = k + pad, n + pad, n + pad; compared with the
 * naive product within float rounding of the sum of |a b|. */
static void
check_product (CcSgemmKernel kernel, GRand *rand, int m, int n, int k, int pad)
{
  gsize lda = k + pad, ldb = n + pad, ldc = n + pad;
  g_autofree float *a = random_matrix (rand, MAX (1, (gsize)m * lda));
  g_autofree float *b = random_matrix (rand, MAX (1, (gsize)k * ldb));
  g_autofree float *c = g_new (float, MAX (1, (gsize)m * ldc));
  const float sentinel = 12345.0f;

  for (gsize i = 0; i < (gsize)m * ldc; i++)
    c[i] = sentinel;
  cc_cpu_sgemm_with (kernel, m, n, k, a, lda, b, ldb, c, ldc);
  for (int i = 0; i < m; i++)
    {
      for (int j = 0; j < n; j++)
        {
          double sum = 0.0, mag = 0.0;
          for (int p = 0; p < k; p++)
            {
              double t = (double)a[i * lda + p] * b[p * ldb + j];
              sum += t;
              mag += fabs (t);
            }
          if (fabs (c[i * ldc + j] - sum) > 1e-6 * mag + 1e-30)
            g_error ("%s: m=%d n=%d k=%d pad=%d: C[%d][%d] = %.9g, expected %.9g",
                     kernel_names[kernel], m, n, k, pad, i, j, c[i * ldc + j], sum);
        }
      for (gsize j = n; j < ldc; j++)
        if (c[i * ldc + j] != sentinel)
          g_error ("%s: m=%d n=%d k=%d: wrote past column n in row %d", kernel_names[kernel], m, n,
                   k, i);
    }
}

static void
test_small_sizes (gconstpointer data)
{
  CcSgemmKernel kernel = GPOINTER_TO_INT (data);
  static const int sizes[]
      = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 15, 16, 17, 23, 24, 31, 32, 33, 47, 48, 63, 64, 65, 70 };
  g_autoptr (GRand) rand = g_rand_new_with_seed (1);

  if (!cc_cpu_sgemm_supported (kernel))
    {
      g_test_skip ("this CPU does not run the kernel");
      return;
    }
  for (guint x = 0; x < G_N_ELEMENTS (sizes); x++)
    for (guint y = 0; y < G_N_ELEMENTS (sizes); y++)
      for (guint z = 0; z < G_N_ELEMENTS (sizes); z += 3)
        check_product (kernel, rand, sizes[x], sizes[y], sizes[(z + x + y) % G_N_ELEMENTS (sizes)],
                       (x + y + z) % 3);
  /* Empty products: C is zeros (k = 0), or nothing is written. */
  check_product (kernel, rand, 5, 7, 0, 1);
  check_product (kernel, rand, 0, 7, 5, 1);
  check_product (kernel, rand, 5, 0, 5, 1);
}

/* Across the cache blocks: k past KC (256), n past NC (512); the shapes
 * the convolutions call (1x1 on a whole plane, a 3x3 tile of 27 to 1728
 * products); few rows with more products than the row path's buffer takes,
 * and a single column with more than the column path's. */
static void
test_large_sizes (gconstpointer data)
{
  CcSgemmKernel kernel = GPOINTER_TO_INT (data);
  static const int shapes[][4] = {
    { 100, 1100, 600, 3 }, { 97, 513, 257, 0 }, { 3, 4096, 16, 0 },   { 192, 130, 1728, 5 },
    { 48, 1, 192, 0 },     { 16, 2048, 27, 1 }, { 256, 64, 2304, 0 }, { 1, 1000, 1000, 2 },
    { 3, 100, 2500, 1 },   { 5, 2, 140000, 0 },
  };
  g_autoptr (GRand) rand = g_rand_new_with_seed (2);

  if (!cc_cpu_sgemm_supported (kernel))
    {
      g_test_skip ("this CPU does not run the kernel");
      return;
    }
  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    check_product (kernel, rand, shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3]);
}

/* The convolutions tile C by columns: every element must be the same float
 * whichever tile (4 columns or wider) it falls in. */
static void
test_same_bits_in_any_tile (gconstpointer data)
{
  CcSgemmKernel kernel = GPOINTER_TO_INT (data);
  const int m = 37, n = 700, k = 300;
  g_autoptr (GRand) rand = g_rand_new_with_seed (3);
  g_autofree float *a = random_matrix (rand, (gsize)m * k);
  g_autofree float *b = random_matrix (rand, (gsize)k * n);
  g_autofree float *whole = g_new (float, (gsize)m * n);
  g_autofree float *tiled = g_new (float, (gsize)m * n);

  if (!cc_cpu_sgemm_supported (kernel))
    {
      g_test_skip ("this CPU does not run the kernel");
      return;
    }
  cc_cpu_sgemm_with (kernel, m, n, k, a, k, b, n, whole, n);
  /* Widths 4, 17, 56, 173, then the last 450. */
  for (int j0 = 0, w = 4; j0 < n; j0 += w, w = w * 3 + 5)
    cc_cpu_sgemm_with (kernel, m, MIN (w, n - j0), k, a, k, b + j0, n, tiled + j0, n);
  g_assert_cmpmem (whole, (gsize)m * n * sizeof (float), tiled, (gsize)m * n * sizeof (float));
}

/* The chosen kernel is a supported one, and one of them runs everywhere. */
static void
test_best_is_supported (void)
{
  g_assert_true (cc_cpu_sgemm_supported (CC_SGEMM_PORTABLE));
  g_assert_true (cc_cpu_sgemm_supported (cc_cpu_sgemm_best ()));
}

/* From several threads at once: each has its own packing buffers. */
static gpointer
thread_main (gpointer data)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (GPOINTER_TO_UINT (data));

  for (int i = 0; i < 4; i++)
    check_product (cc_cpu_sgemm_best (), rand, 40 + i, 600, 300, i);
  return NULL;
}

static void
test_threads (void)
{
  GThread *threads[4];

  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    threads[t] = g_thread_new ("gemm", thread_main, GUINT_TO_POINTER (t + 10));
  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    g_thread_join (threads[t]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (int kern = 0; kern < CC_SGEMM_N_KERNELS; kern++)
    {
      g_autofree char *small = g_strdup_printf ("/gemm/%s/small-sizes", kernel_names[kern]);
      g_autofree char *large = g_strdup_printf ("/gemm/%s/large-sizes", kernel_names[kern]);
      g_autofree char *bits
          = g_strdup_printf ("/gemm/%s/same-bits-in-any-tile", kernel_names[kern]);

      g_test_add_data_func (small, GINT_TO_POINTER (kern), test_small_sizes);
      g_test_add_data_func (large, GINT_TO_POINTER (kern), test_large_sizes);
      g_test_add_data_func (bits, GINT_TO_POINTER (kern), test_same_bits_in_any_tile);
    }
  g_test_add_func ("/gemm/best-is-supported", test_best_is_supported);
  g_test_add_func ("/gemm/threads", test_threads);
  return g_test_run ();
}
