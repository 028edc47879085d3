#include "CMPIShim.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

// Open MPI's ABI: every handle (MPI_Comm, MPI_Datatype, MPI_Op, MPI_Errhandler) is a pointer, and the
// predefined ones are the addresses of exported globals (mpi.h's OMPI_PREDEFINED_GLOBAL).
typedef void *Handle;

static const int threadSerialized = 2;  // MPI_THREAD_SERIALIZED in Open MPI's enum
static void *const inPlace = (void *)1; // MPI_IN_PLACE in Open MPI

static struct {
    void *library;
    int (*initThread)(int *, char ***, int, int *);
    int (*commRank)(Handle, int *);
    int (*commSize)(Handle, int *);
    int (*commSetErrhandler)(Handle, Handle);
    int (*allreduce)(const void *, void *, int, Handle, Handle, Handle);
    int (*allgather)(const void *, int, Handle, void *, int, Handle, Handle);
    int (*bcast)(void *, int, Handle, int, Handle);
    int (*barrier)(Handle);
    int (*abortJob)(Handle, int);
    int (*finalize)(void);
    int (*errorString)(int, char *, int *);
    Handle world, floatType, doubleType, byteType, sumOperation, errorsReturn;
} mpi;

static int resolve(void **slot, const char *name, char *error, size_t capacity) {
    *slot = dlsym(mpi.library, name);
    if (*slot == NULL) {
        snprintf(error, capacity, "libmpi has no symbol %s (not Open MPI?)", name);
        return -1;
    }
    return 0;
}

int sensorfm_mpi_load(const char *candidates, char *error, size_t capacity) {
    if (mpi.library != NULL) return 0;
    char tried[512] = "";
    for (const char *name = candidates; *name != '\0'; name += strlen(name) + 1) {
        // RTLD_GLOBAL: Open MPI's plug-ins are themselves dlopen()ed and resolve libmpi's symbols globally.
        mpi.library = dlopen(name, RTLD_NOW | RTLD_GLOBAL);
        if (mpi.library != NULL) break;
        size_t used = strlen(tried);
        snprintf(tried + used, sizeof tried - used, "%s%s (%s)", used ? "; " : "", name, dlerror());
    }
    if (mpi.library == NULL) {
        snprintf(error, capacity, "cannot open libmpi: %s", tried);
        return -1;
    }
    struct { void **slot; const char *name; } symbols[] = {
        {(void **)&mpi.initThread, "MPI_Init_thread"},
        {(void **)&mpi.commRank, "MPI_Comm_rank"},
        {(void **)&mpi.commSize, "MPI_Comm_size"},
        {(void **)&mpi.commSetErrhandler, "MPI_Comm_set_errhandler"},
        {(void **)&mpi.allreduce, "MPI_Allreduce"},
        {(void **)&mpi.allgather, "MPI_Allgather"},
        {(void **)&mpi.bcast, "MPI_Bcast"},
        {(void **)&mpi.barrier, "MPI_Barrier"},
        {(void **)&mpi.abortJob, "MPI_Abort"},
        {(void **)&mpi.finalize, "MPI_Finalize"},
        {(void **)&mpi.errorString, "MPI_Error_string"},
        {&mpi.world, "ompi_mpi_comm_world"},
        {&mpi.floatType, "ompi_mpi_float"},
        {&mpi.doubleType, "ompi_mpi_double"},
        {&mpi.byteType, "ompi_mpi_byte"},
        {&mpi.sumOperation, "ompi_mpi_op_sum"},
        {&mpi.errorsReturn, "ompi_mpi_errors_return"},
    };
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
        if (resolve(symbols[i].slot, symbols[i].name, error, capacity) != 0) {
            dlclose(mpi.library);
            memset(&mpi, 0, sizeof mpi);
            return -1;
        }
    }
    return 0;
}

int sensorfm_mpi_initialize(int *rank, int *size, int *providedThreadLevel) {
    if (mpi.library == NULL) return SENSORFM_MPI_NOT_LOADED;
    int status = mpi.initThread(NULL, NULL, threadSerialized, providedThreadLevel);
    if (status != 0) return status;
    if ((status = mpi.commSetErrhandler(mpi.world, mpi.errorsReturn)) != 0) return status;
    if ((status = mpi.commRank(mpi.world, rank)) != 0) return status;
    return mpi.commSize(mpi.world, size);
}

static int allreduceSum(char *values, size_t count, size_t elementSize, Handle type) {
    if (mpi.library == NULL) return SENSORFM_MPI_NOT_LOADED;
    const size_t chunk = (size_t)1 << 28;
    for (size_t start = 0; start < count; start += chunk) {
        size_t length = count - start < chunk ? count - start : chunk;
        int status = mpi.allreduce(inPlace, values + start * elementSize, (int)length, type, mpi.sumOperation, mpi.world);
        if (status != 0) return status;
    }
    return 0;
}

int sensorfm_mpi_allreduce_sum_float(float *values, size_t count) {
    return allreduceSum((char *)values, count, sizeof(float), mpi.floatType);
}

int sensorfm_mpi_allreduce_sum_double(double *values, size_t count) {
    return allreduceSum((char *)values, count, sizeof(double), mpi.doubleType);
}

int sensorfm_mpi_allgather_float(const float *local, size_t count, float *gathered) {
    if (mpi.library == NULL) return SENSORFM_MPI_NOT_LOADED;
    if (count > (size_t)1 << 30) return SENSORFM_MPI_TOO_LARGE;
    return mpi.allgather(local, (int)count, mpi.floatType, gathered, (int)count, mpi.floatType, mpi.world);
}

int sensorfm_mpi_broadcast_bytes(void *bytes, size_t count, int root) {
    if (mpi.library == NULL) return SENSORFM_MPI_NOT_LOADED;
    const size_t chunk = (size_t)1 << 30;
    for (size_t start = 0; start < count; start += chunk) {
        size_t length = count - start < chunk ? count - start : chunk;
        int status = mpi.bcast((char *)bytes + start, (int)length, mpi.byteType, root, mpi.world);
        if (status != 0) return status;
    }
    return 0;
}

int sensorfm_mpi_barrier(void) {
    if (mpi.library == NULL) return SENSORFM_MPI_NOT_LOADED;
    return mpi.barrier(mpi.world);
}

int sensorfm_mpi_abort(int code) {
    if (mpi.library == NULL) return SENSORFM_MPI_NOT_LOADED;
    return mpi.abortJob(mpi.world, code);
}

int sensorfm_mpi_finalize(void) {
    if (mpi.library == NULL) return SENSORFM_MPI_NOT_LOADED;
    return mpi.finalize();
}

void sensorfm_mpi_error_string(int code, char *text, size_t capacity) {
    if (capacity == 0) return;
    if (mpi.library == NULL || code == SENSORFM_MPI_NOT_LOADED) {
        snprintf(text, capacity, "libmpi is not loaded");
        return;
    }
    if (code == SENSORFM_MPI_TOO_LARGE) {
        snprintf(text, capacity, "more than 2^30 elements per rank in one call");
        return;
    }
    char buffer[256 + 1]; // MPI_MAX_ERROR_STRING is 256 in Open MPI
    int length = 0;
    if (mpi.errorString(code, buffer, &length) != 0) length = 0;
    buffer[length < 0 ? 0 : (length > 256 ? 256 : length)] = '\0';
    snprintf(text, capacity, "%s (MPI error %d)", length > 0 ? buffer : "unknown error", code);
}
