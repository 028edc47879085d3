#ifndef SENSORFM_CMPISHIM_H
#define SENSORFM_CMPISHIM_H

/// A run-time binding to Open MPI: libmpi is opened with dlopen() and the few functions and
/// predefined handles SensorFM uses are looked up with dlsym(), so nothing MPI is needed to build
/// or to run outside mpirun/srun. Every function returns an MPI error code (0 = MPI_SUCCESS) or,
/// before a successful sensorfm_mpi_load, SENSORFM_MPI_NOT_LOADED.

#include <stddef.h>

#define SENSORFM_MPI_NOT_LOADED (-1)
/// A call's element count does not fit MPI's int count.
#define SENSORFM_MPI_TOO_LARGE (-2)

/// Opens libmpi (each of `candidates`, a NUL-separated list ending in an empty string, in turn) and
/// resolves every symbol. Returns 0, or -1 with a message in `error` (capacity bytes).
int sensorfm_mpi_load(const char *candidates, char *error, size_t capacity);

/// MPI_Init_thread(MPI_THREAD_SERIALIZED), errors returned rather than fatal on MPI_COMM_WORLD,
/// then this process's rank and the world size.
int sensorfm_mpi_initialize(int *rank, int *size, int *providedThreadLevel);

/// In-place MPI_Allreduce(MPI_SUM) over MPI_COMM_WORLD, split into calls of at most 2^28 elements.
int sensorfm_mpi_allreduce_sum_float(float *values, size_t count);
int sensorfm_mpi_allreduce_sum_double(double *values, size_t count);

/// MPI_Allgather of `count` floats from every rank into `gathered` (size × count floats, rank order)
/// over MPI_COMM_WORLD; SENSORFM_MPI_TOO_LARGE above 2^30 floats per rank.
int sensorfm_mpi_allgather_float(const float *local, size_t count, float *gathered);

/// MPI_Bcast of raw bytes from `root`, split into calls of at most 2^30 bytes.
int sensorfm_mpi_broadcast_bytes(void *bytes, size_t count, int root);

int sensorfm_mpi_barrier(void);

/// MPI_Abort(MPI_COMM_WORLD, code): ends every rank of the job.
int sensorfm_mpi_abort(int code);

int sensorfm_mpi_finalize(void);

/// MPI_Error_string into `text` (capacity bytes, NUL-terminated).
void sensorfm_mpi_error_string(int code, char *text, size_t capacity);

#endif
