package io.github.dl4jcoded.cuda;

import io.github.dl4jcoded.frame.FrameFamily;
import io.github.dl4jcoded.frame.FrameSource;
import io.github.dl4jcoded.frame.LowRankHistory;
import io.github.dl4jcoded.partition.Partition;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the coder: the GPU one when its binding (built for Java 22+ by {@code gpu-kit.sh}), a CUDA
 * driver, a device and kernels for the frames are all there, else the CPU one, saying once why.
 */
public final class SketchCoders {
    private static final Logger log = LoggerFactory.getLogger(SketchCoders.class);
    /** The GPU coders' classes, present only where the Java 22+ binding was built. */
    static final String SKETCH_CODER = "io.github.dl4jcoded.cuda.ffm.CudaSketchCoder";
    static final String LOW_RANK_CODER = "io.github.dl4jcoded.cuda.ffm.CudaLowRankCoder";
    private static final AtomicBoolean SAID = new AtomicBoolean();

    private SketchCoders() {}

    /**
     * A GPU coder for {@code blocks} of {@code partition} under {@code frames}, or the CPU coder when
     * none can be had.
     *
     * @param kernels the directory holding coded_kernels.ptx and/or coded_kernels.sm_XX.cubin
     */
    public static SketchCoder open(Partition partition, FrameSource frames, int[] blocks, Feedback feedback, Path kernels) {
        try {
            return gpu(partition, frames, blocks, feedback, kernels);
        } catch (GpuUnavailableException e) {
            if (SAID.compareAndSet(false, true)) log.info("GPU coding unavailable ({}); the CPU path runs", e.getMessage());
            return new CpuFrameCoder(partition, frames, blocks, feedback);
        }
    }

    /** The GPU coder, or why there is none. */
    public static SketchCoder gpu(Partition partition, FrameSource frames, int[] blocks, Feedback feedback, Path kernels)
            throws GpuUnavailableException {
        if (frames instanceof FrameFamily family && family.kind() == FrameFamily.Kind.COUNT_SKETCH) {
            return invoke(SKETCH_CODER, new Class<?>[] {SketchPlan.class, Path.class},
                    new SketchPlan(partition, family, blocks, feedback), kernels);
        }
        if (frames instanceof LowRankHistory) {
            return invoke(LOW_RANK_CODER, new Class<?>[] {Partition.class, FrameSource.class, int[].class, Feedback.class, Path.class},
                    partition, frames, blocks, feedback, kernels);
        }
        throw new GpuUnavailableException("no GPU kernels for " + frames + " (count-sketch and low-rank frames have them)");
    }

    private static SketchCoder invoke(String coder, Class<?>[] types, Object... args) throws GpuUnavailableException {
        Class<?> c;
        try {
            c = Class.forName(coder);
        } catch (ClassNotFoundException e) {
            throw new GpuUnavailableException("the GPU binding is not on the class path: it needs Java 22+ and is built by cuda-kernels/gpu-kit.sh");
        }
        try {
            return (SketchCoder) c.getMethod("open", types).invoke(null, args);
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
