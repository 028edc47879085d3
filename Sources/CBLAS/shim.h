// OpenBLAS's CBLAS interface (with openblas_set_num_threads) and LAPACKE, as Debian installs them,
// plus glibc's malloc.h for mallopt (the engine's allocator tuning lives next to its BLAS use).
#include <cblas.h>
#include <lapacke.h>
#include <malloc.h>
