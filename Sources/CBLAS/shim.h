// OpenBLAS's CBLAS interface (with openblas_set_num_threads) and LAPACKE, as Debian installs them.
#include <cblas.h>
#include <lapacke.h>
