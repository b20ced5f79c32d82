package io.github.dl4jcoded.bench.engine;

import io.github.dl4jcoded.engine.ForwardModeEngine;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Peak memory of one LeNet step (batch 64, float) in a fresh JVM, for one mode:
 * {@code idle} (setup only), {@code output} (net.output), {@code forward1} (forward mode, one
 * tangent over all parameters), {@code backprop} (computeGradientAndScore).
 *
 * <p>Prints: the process's peak resident set (VmHWM, Linux), the peak of JavaCPP's count of
 * off-heap bytes it allocated ({@code Pointer.totalBytes()}, sampled every 0.2 ms during the
 * calls; ND4J arrays outside workspaces are counted, workspace memory is not), and the total size
 * of this thread's ND4J workspaces (which is where DL4J keeps backprop activations). A full GC runs
 * between calls, so garbage of one call does not inflate the next; within a call nothing is
 * freed, so both peaks are upper bounds on live memory. Usage: {@code java -cp benchmarks.jar
 * io.github.dl4jcoded.bench.engine.EngineMemoryProbe MODE}.
 */
public final class EngineMemoryProbe {

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "forward1";
        int calls = 10;
        MultiLayerNetwork net = LeNet.build();
        INDArray x = LeNet.features();
        INDArray y = LeNet.labels();
        INDArray u = LeNet.fullDirections(net, 1);
        ForwardModeEngine forward = new ForwardModeEngine();
        Runnable step = switch (mode) {
            case "idle" -> () -> { };
            case "output" -> () -> net.output(x);
            case "forward1" -> () -> forward.compute(net, x, y, u);
            case "backprop" -> () -> {
                net.setInput(x);
                net.setLabels(y);
                net.computeGradientAndScore();
            };
            default -> throw new IllegalArgumentException("mode: idle|output|forward1|backprop");
        };
        for (int i = 0; i < 3; i++) {
            gc();
            step.run();
        }
        gc();
        long before = tracked();
        java.util.concurrent.atomic.AtomicLong peak = new java.util.concurrent.atomic.AtomicLong(before);
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (running.get()) {
                peak.accumulateAndGet(tracked(), Math::max);
                try {
                    Thread.sleep(0, 200_000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.setDaemon(true);
        sampler.start();
        long maxDelta = 0;
        for (int i = 0; i < calls; i++) {
            gc();
            long start = tracked();
            peak.set(start);
            step.run();
            Thread.sleep(2);
            maxDelta = Math.max(maxDelta, peak.get() - start);
        }
        running.set(false);
        sampler.join();
        long ws = 0;
        for (MemoryWorkspace w : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
            ws += w.getCurrentSize();
        }
        System.out.printf("mode=%s VmHWM_kB=%d offheap_peak_per_call_MB=%.2f workspaces_MB=%.2f%n",
                mode, status("VmHWM"), maxDelta / 1048576.0, ws / 1048576.0);
    }

    /** Off-heap bytes counted by JavaCPP plus ND4J's own allocation tracker (all kinds, device 0). */
    private static long tracked() {
        return Pointer.totalBytes() + org.nd4j.linalg.api.memory.AllocationsTracker.getInstance().bytesOnDevice(0);
    }

    private static void gc() throws InterruptedException {
        System.gc();
        Thread.sleep(50);
        System.gc();
        Thread.sleep(20);
    }

    private static long status(String key) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(key + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
