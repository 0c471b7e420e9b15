/*
 * Times LAPACK dsyevd (all eigenvalues and eigenvectors) on a random symmetric n×n matrix, called
 * straight from C: the reference the `linalg` bench suite holds the koffi route against. It links
 * the same system liblapack.so.3 and inherits OPENBLAS_NUM_THREADS from the suite.
 *
 * Usage: dsyevd_bench N REPEATS   (one untimed warm-up run, then REPEATS timed runs)
 * Prints one JSON line: {"n":N,"seconds":[t1,...]}
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Fortran ABI: every argument by pointer; the CHARACTER arguments' lengths trail as size_t. */
extern void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
                    double *work, const int *lwork, int *iwork, const int *liwork, int *info,
                    size_t jobz_len, size_t uplo_len);

static double seconds_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* xorshift64* mapped to [-1, 1): any fixed seed will do, the spectrum's shape is what matters. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static double uniform(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (double)((rng_state * 0x2545f4914f6cdd1dULL) >> 11) * 0x1.0p-52 - 1.0;
}

static int run_dsyevd(int n, const double *a, double *z, double *w, double *work, int lwork, int *iwork,
                      int liwork) {
  int info = 0;
  memcpy(z, a, (size_t)n * (size_t)n * sizeof *z);
  dsyevd_("V", "L", &n, z, &n, w, work, &lwork, iwork, &liwork, &info, 1, 1);
  return info;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s N REPEATS\n", argv[0]);
    return 2;
  }
  int n = atoi(argv[1]);
  int repeats = atoi(argv[2]);
  if (n < 1 || repeats < 1) {
    fprintf(stderr, "N and REPEATS must be positive integers\n");
    return 2;
  }
  size_t entries = (size_t)n * (size_t)n;
  double *a = malloc(entries * sizeof *a);
  double *z = malloc(entries * sizeof *z);
  double *w = malloc((size_t)n * sizeof *w);
  if (!a || !z || !w) {
    fprintf(stderr, "out of memory for n = %d\n", n);
    return 1;
  }
  for (int i = 0; i < n; i++) {
    for (int j = 0; j <= i; j++) a[(size_t)i * n + j] = a[(size_t)j * n + i] = uniform();
  }

  int query = -1, info = 0, iwork_size = 0;
  double work_size = 0;
  dsyevd_("V", "L", &n, z, &n, w, &work_size, &query, &iwork_size, &query, &info, 1, 1);
  int lwork = (int)work_size;
  int liwork = iwork_size;
  double *work = malloc((size_t)lwork * sizeof *work);
  int *iwork = malloc((size_t)liwork * sizeof *iwork);
  if (info != 0 || !work || !iwork) {
    fprintf(stderr, "dsyevd workspace query failed (info = %d)\n", info);
    return 1;
  }

  if ((info = run_dsyevd(n, a, z, w, work, lwork, iwork, liwork)) != 0) {
    fprintf(stderr, "dsyevd failed (info = %d)\n", info);
    return 1;
  }
  printf("{\"n\":%d,\"seconds\":[", n);
  for (int r = 0; r < repeats; r++) {
    double start = seconds_now();
    info = run_dsyevd(n, a, z, w, work, lwork, iwork, liwork);
    double elapsed = seconds_now() - start;
    if (info != 0) {
      fprintf(stderr, "dsyevd failed (info = %d)\n", info);
      return 1;
    }
    printf("%s%.6f", r > 0 ? "," : "", elapsed);
  }
  printf("]}\n");
  free(a);
  free(z);
  free(w);
  free(work);
  free(iwork);
  return 0;
}
