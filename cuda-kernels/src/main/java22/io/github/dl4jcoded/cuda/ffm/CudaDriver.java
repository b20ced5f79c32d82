package io.github.dl4jcoded.cuda.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.github.dl4jcoded.cuda.SketchCoders.GpuUnavailableException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The few CUDA driver API calls the kernels need, bound with Java's Foreign Function and Memory API
 * to {@code libcuda.so.1} (the driver itself: no CUDA runtime library, no JNI, no extra jar). One
 * instance per process holds device 0's primary context (the one the CUDA runtime, and so ND4J's CUDA
 * backend, also uses), so device pointers from either side are valid in the other.
 */
public final class CudaDriver {
    private static final Linker LINKER = Linker.nativeLinker();
    private static CudaDriver instance;

    private final SymbolLookup lib;
    private final MethodHandle cuInit, cuDeviceGet, cuDeviceGetName, cuDeviceGetAttribute, cuDevicePrimaryCtxRetain,
            cuCtxSetCurrent, cuModuleLoadData, cuModuleGetFunction, cuFuncSetAttribute, cuMemAlloc, cuMemFree,
            cuMemcpyHtoD, cuMemcpyDtoH, cuMemcpyDtoD, cuMemsetD32, cuLaunchKernel, cuCtxSynchronize, cuEventCreate,
            cuEventRecord, cuEventSynchronize, cuEventElapsedTime, cuGetErrorName;
    private final int device;
    private final String name;
    private final int major, minor, multiprocessors;

    private CudaDriver() throws GpuUnavailableException {
        try {
            lib = SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
        } catch (IllegalArgumentException e) {
            throw new GpuUnavailableException("no CUDA driver (libcuda.so.1 not found)");
        }
        cuGetErrorName = bind("cuGetErrorName", JAVA_INT, ADDRESS);
        cuInit = bind("cuInit", JAVA_INT);
        cuDeviceGet = bind("cuDeviceGet", ADDRESS, JAVA_INT);
        cuDeviceGetName = bind("cuDeviceGetName", ADDRESS, JAVA_INT, JAVA_INT);
        cuDeviceGetAttribute = bind("cuDeviceGetAttribute", ADDRESS, JAVA_INT, JAVA_INT);
        cuDevicePrimaryCtxRetain = bind("cuDevicePrimaryCtxRetain", ADDRESS, JAVA_INT);
        cuCtxSetCurrent = bind("cuCtxSetCurrent", ADDRESS);
        cuModuleLoadData = bind("cuModuleLoadData", ADDRESS, ADDRESS);
        cuModuleGetFunction = bind("cuModuleGetFunction", ADDRESS, ADDRESS, ADDRESS);
        cuFuncSetAttribute = bind("cuFuncSetAttribute", ADDRESS, JAVA_INT, JAVA_INT);
        cuMemAlloc = bind("cuMemAlloc_v2", ADDRESS, JAVA_LONG);
        cuMemFree = bind("cuMemFree_v2", JAVA_LONG);
        cuMemcpyHtoD = bind("cuMemcpyHtoD_v2", JAVA_LONG, ADDRESS, JAVA_LONG);
        cuMemcpyDtoH = bind("cuMemcpyDtoH_v2", ADDRESS, JAVA_LONG, JAVA_LONG);
        cuMemcpyDtoD = bind("cuMemcpyDtoD_v2", JAVA_LONG, JAVA_LONG, JAVA_LONG);
        cuMemsetD32 = bind("cuMemsetD32_v2", JAVA_LONG, JAVA_INT, JAVA_LONG);
        cuLaunchKernel = bind("cuLaunchKernel", ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        cuCtxSynchronize = bind("cuCtxSynchronize");
        cuEventCreate = bind("cuEventCreate", ADDRESS, JAVA_INT);
        cuEventRecord = bind("cuEventRecord", ADDRESS, ADDRESS);
        cuEventSynchronize = bind("cuEventSynchronize", ADDRESS);
        cuEventElapsedTime = lib.find("cuEventElapsedTime_v2").isPresent()
                ? bind("cuEventElapsedTime_v2", ADDRESS, ADDRESS, ADDRESS)
                : bind("cuEventElapsedTime", ADDRESS, ADDRESS, ADDRESS);
        try (Arena a = Arena.ofConfined()) {
            int rc = (int) cuInit.invokeExact(0);
            if (rc != 0) throw new GpuUnavailableException("cuInit failed: " + errorName(rc));
            MemorySegment out = a.allocate(JAVA_INT);
            rc = (int) cuDeviceGet.invokeExact(out, 0);
            if (rc != 0) throw new GpuUnavailableException("no CUDA device: " + errorName(rc));
            device = out.get(JAVA_INT, 0);
            MemorySegment buf = a.allocate(256);
            check((int) cuDeviceGetName.invokeExact(buf, 256, device), "cuDeviceGetName");
            name = buf.getString(0);
            check((int) cuDeviceGetAttribute.invokeExact(out, 75, device), "compute capability major");
            major = out.get(JAVA_INT, 0);
            check((int) cuDeviceGetAttribute.invokeExact(out, 76, device), "compute capability minor");
            minor = out.get(JAVA_INT, 0);
            check((int) cuDeviceGetAttribute.invokeExact(out, 16, device), "multiprocessor count");
            multiprocessors = out.get(JAVA_INT, 0);
            MemorySegment ctx = a.allocate(ADDRESS);
            check((int) cuDevicePrimaryCtxRetain.invokeExact(ctx, device), "cuDevicePrimaryCtxRetain");
            check((int) cuCtxSetCurrent.invokeExact(ctx.get(ADDRESS, 0)), "cuCtxSetCurrent");
        } catch (GpuUnavailableException | CudaException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("CUDA driver call failed", t);
        }
    }

    /** The process's driver, initialized on first use. */
    public static synchronized CudaDriver get() throws GpuUnavailableException {
        if (instance == null) instance = new CudaDriver();
        return instance;
    }

    private MethodHandle bind(String symbol, java.lang.foreign.MemoryLayout... args) {
        MemorySegment f = lib.find(symbol).orElseThrow(() -> new IllegalStateException("libcuda.so.1 has no " + symbol));
        return LINKER.downcallHandle(f, FunctionDescriptor.of(JAVA_INT, args));
    }

    public String deviceName() { return name; }

    /** Streaming multiprocessors on the device (132 on an H100 SXM or H200). */
    public int multiprocessors() { return multiprocessors; }

    /** Compute capability, e.g. 90 for an H100/H200. */
    public int computeCapability() { return major * 10 + minor; }

    /** A CUDA error with the driver's name for it. */
    public static final class CudaException extends RuntimeException {
        CudaException(String m) { super(m); }
    }

    String errorName(int rc) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            int r = (int) cuGetErrorName.invokeExact(rc, p);
            return r == 0 ? p.get(ADDRESS, 0).reinterpret(64).getString(0) + " (" + rc + ")" : "CUDA error " + rc;
        } catch (Throwable t) {
            return "CUDA error " + rc;
        }
    }

    void check(int rc, String what) {
        if (rc != 0) throw new CudaException(what + ": " + errorName(rc));
    }

    /** A driver call (a downcall through a method handle) that returns a CUresult. */
    @FunctionalInterface
    private interface Call {
        int run(Arena arena) throws Throwable;
    }

    /** Runs {@code call} with a confined arena for its arguments and checks its result. */
    private void call(String what, Call call) {
        try (Arena a = Arena.ofConfined()) {
            check(call.run(a), what);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("CUDA driver call failed: " + what, t);
        }
    }

    /** Loads the best kernel image in {@code dir}: the cubin for this device if built, else the PTX. */
    public Module load(Path dir, String base) throws GpuUnavailableException {
        Path cubin = dir.resolve(base + ".sm_" + computeCapability() + ".cubin");
        Path ptx = dir.resolve(base + ".ptx");
        Path image = Files.exists(cubin) ? cubin : ptx;
        if (!Files.exists(image)) throw new GpuUnavailableException("no kernels in " + dir + " (build them with cuda-kernels/gpu-kit.sh kernels)");
        try (Arena a = Arena.ofConfined()) {
            byte[] bytes = Files.readAllBytes(image);
            MemorySegment img = a.allocate(bytes.length + 1L);
            MemorySegment.copy(bytes, 0, img, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
            MemorySegment mod = a.allocate(ADDRESS);
            check((int) cuModuleLoadData.invokeExact(mod, img), "cuModuleLoadData " + image.getFileName());
            return new Module(mod.get(ADDRESS, 0), image.getFileName().toString());
        } catch (java.io.IOException e) {
            throw new GpuUnavailableException("cannot read " + image + ": " + e.getMessage());
        } catch (CudaException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** A loaded kernel image. */
    public final class Module {
        private final MemorySegment handle;
        private final String image;

        Module(MemorySegment handle, String image) { this.handle = handle; this.image = image; }

        public String image() { return image; }

        public Kernel kernel(String name) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment f = a.allocate(ADDRESS);
                check((int) cuModuleGetFunction.invokeExact(f, handle, a.allocateFrom(name)), "cuModuleGetFunction " + name);
                return new Kernel(f.get(ADDRESS, 0), name);
            } catch (CudaException e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }
    }

    /** A kernel; arguments are Long (device pointers), Integer or Float, in the kernel's order. */
    public final class Kernel {
        private final MemorySegment f;
        private final String name;

        Kernel(MemorySegment f, String name) { this.f = f; this.name = name; }

        /** Allows more than the default 48 KB of dynamic shared memory. */
        public void maxDynamicSharedMemory(int bytes) {
            call("cuFuncSetAttribute " + name, a -> (int) cuFuncSetAttribute.invokeExact(f, 8, bytes));
        }

        public void launch(int grid, int block, int sharedBytes, Object... args) {
            if (grid == 0) return;
            call("launch " + name, a -> {
                MemorySegment params = a.allocate(ADDRESS, args.length);
                for (int i = 0; i < args.length; i++) {
                    MemorySegment v;
                    if (args[i] instanceof Long l) v = a.allocateFrom(JAVA_LONG, l);
                    else if (args[i] instanceof Integer n) v = a.allocateFrom(JAVA_INT, n);
                    else if (args[i] instanceof Float x) v = a.allocateFrom(JAVA_FLOAT, x);
                    else throw new IllegalArgumentException("argument " + i + " of " + name + ": " + args[i]);
                    params.setAtIndex(ADDRESS, i, v);
                }
                return (int) cuLaunchKernel.invokeExact(f, grid, 1, 1, block, 1, 1, sharedBytes, MemorySegment.NULL, params,
                        MemorySegment.NULL);
            });
        }
    }

    public long alloc(long bytes) {
        long[] ptr = new long[1];
        call("cuMemAlloc " + bytes + " bytes", a -> {
            MemorySegment p = a.allocate(JAVA_LONG);
            int rc = (int) cuMemAlloc.invokeExact(p, Math.max(bytes, 4L));
            ptr[0] = p.get(JAVA_LONG, 0);
            return rc;
        });
        return ptr[0];
    }

    public void free(long ptr) {
        call("cuMemFree", a -> (int) cuMemFree.invokeExact(ptr));
    }

    public void upload(long dst, float[] src) {
        call("cuMemcpyHtoD", a -> (int) cuMemcpyHtoD.invokeExact(dst, a.allocateFrom(JAVA_FLOAT, src), 4L * src.length));
    }

    public void upload(long dst, int[] src) {
        call("cuMemcpyHtoD", a -> (int) cuMemcpyHtoD.invokeExact(dst, a.allocateFrom(JAVA_INT, src), 4L * src.length));
    }

    public void download(float[] dst, long src) {
        call("cuMemcpyDtoH", a -> {
            MemorySegment h = a.allocate(JAVA_FLOAT, Math.max(1, dst.length));
            int rc = (int) cuMemcpyDtoH.invokeExact(h, src, 4L * dst.length);
            if (rc == 0) MemorySegment.copy(h, JAVA_FLOAT, 0, dst, 0, dst.length);
            return rc;
        });
    }

    public void copy(long dst, long src, long bytes) {
        call("cuMemcpyDtoD", a -> (int) cuMemcpyDtoD.invokeExact(dst, src, bytes));
    }

    public void zero(long ptr, long floats) {
        if (floats == 0) return;
        call("cuMemsetD32", a -> (int) cuMemsetD32.invokeExact(ptr, 0, floats));
    }

    public void synchronize() {
        call("cuCtxSynchronize", a -> (int) cuCtxSynchronize.invokeExact());
    }

    /** Milliseconds that {@code work} takes on the device, by CUDA events around it. */
    public float time(Runnable work) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            check((int) cuEventCreate.invokeExact(p, 0), "cuEventCreate");
            MemorySegment start = p.get(ADDRESS, 0);
            check((int) cuEventCreate.invokeExact(p, 0), "cuEventCreate");
            MemorySegment end = p.get(ADDRESS, 0);
            check((int) cuEventRecord.invokeExact(start, MemorySegment.NULL), "cuEventRecord");
            work.run();
            check((int) cuEventRecord.invokeExact(end, MemorySegment.NULL), "cuEventRecord");
            check((int) cuEventSynchronize.invokeExact(end), "cuEventSynchronize");
            MemorySegment ms = a.allocate(JAVA_FLOAT);
            check((int) cuEventElapsedTime.invokeExact(ms, start, end), "cuEventElapsedTime");
            return ms.get(JAVA_FLOAT, 0);
        } catch (CudaException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
