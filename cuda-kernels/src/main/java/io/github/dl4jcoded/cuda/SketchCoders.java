package io.github.dl4jcoded.cuda;

import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the coder: the GPU one when its binding (built for Java 22+ by {@code gpu-kit.sh}), a CUDA
 * driver and a device are all there, else the CPU one, saying once why.
 */
public final class SketchCoders {
    private static final Logger log = LoggerFactory.getLogger(SketchCoders.class);
    /** The GPU coder's class, present only where the Java 22+ binding was built. */
    static final String GPU_CODER = "io.github.dl4jcoded.cuda.ffm.CudaSketchCoder";
    private static final AtomicBoolean SAID = new AtomicBoolean();

    private SketchCoders() {}

    /**
     * A GPU coder for {@code plan}, or the CPU coder when none can be had.
     *
     * @param kernels the directory holding coded_kernels.ptx and/or coded_kernels.sm_XX.cubin
     */
    public static SketchCoder open(SketchPlan plan, Path kernels) {
        try {
            return gpu(plan, kernels);
        } catch (GpuUnavailableException e) {
            if (SAID.compareAndSet(false, true)) log.info("GPU coding unavailable ({}); the CPU path runs", e.getMessage());
            return new CpuSketchCoder(plan);
        }
    }

    /** The GPU coder, or why there is none. */
    public static SketchCoder gpu(SketchPlan plan, Path kernels) throws GpuUnavailableException {
        Class<?> c;
        try {
            c = Class.forName(GPU_CODER);
        } catch (ClassNotFoundException e) {
            throw new GpuUnavailableException("the GPU binding is not on the class path: it needs Java 22+ and is built by cuda-kernels/gpu-kit.sh");
        }
        try {
            return (SketchCoder) c.getMethod("open", SketchPlan.class, Path.class).invoke(null, plan, kernels);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof GpuUnavailableException) throw (GpuUnavailableException) cause;
            if (cause instanceof RuntimeException) throw (RuntimeException) cause;
            if (cause instanceof Error) throw (Error) cause;
            throw new IllegalStateException("the GPU coder failed to open", cause);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the GPU binding does not match this library: " + e, e);
        }
    }

    /** No GPU coder here: no binding, no driver, no device, or no kernels for it. */
    public static final class GpuUnavailableException extends Exception {
        public GpuUnavailableException(String why) { super(why); }
    }
}
