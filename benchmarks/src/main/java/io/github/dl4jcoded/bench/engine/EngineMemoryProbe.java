package io.github.dl4jcoded.bench.engine;

import io.github.dl4jcoded.engine.ForwardModeEngine;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Peak memory of LeNet steps (batch 64, float) in a fresh JVM, for one mode:
 * {@code idle} (setup only), {@code output} (net.output), {@code forward1} / {@code forward16}
 * (forward mode, 1 or 16 tangents over all parameters), {@code backprop} (computeGradientAndScore).
 *
 * <p>Prints the process's peak resident set (VmHWM from /proc/self/status) and the total size of
 * this thread's ND4J workspaces (where DL4J keeps activations for backprop). Run with a fixed,
 * pre-touched heap ({@code -Xms384m -Xmx384m -XX:+AlwaysPreTouch}) so that the difference to
 * {@code idle} is off-heap memory: ND4J arrays and workspaces. (On the CPU backend neither
 * JavaCPP's {@code Pointer.totalBytes()} nor ND4J's {@code AllocationsTracker} count ND4J arrays,
 * so resident memory is the measure.) A full GC runs before every call, so garbage of one call
 * does not inflate the next; within a call, arrays not freed explicitly stay until the next GC,
 * so the figure is an upper bound on live memory. Usage:
 * {@code java -Xms384m -Xmx384m -XX:+AlwaysPreTouch -cp benchmarks.jar io.github.dl4jcoded.bench.engine.EngineMemoryProbe MODE}.
 */
public final class EngineMemoryProbe {

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "forward1";
        MultiLayerNetwork net = LeNet.build();
        INDArray x = LeNet.features();
        INDArray y = LeNet.labels();
        INDArray u1 = LeNet.fullDirections(net, 1);
        INDArray u16 = LeNet.fullDirections(net, 16);
        ForwardModeEngine forward = new ForwardModeEngine();
        Runnable step = switch (mode) {
            case "idle" -> () -> { };
            case "output" -> () -> net.output(x);
            case "forward1" -> () -> forward.compute(net, x, y, u1);
            case "forward16" -> () -> forward.compute(net, x, y, u16);
            case "backprop" -> () -> {
                net.setInput(x);
                net.setLabels(y);
                net.computeGradientAndScore();
            };
            default -> throw new IllegalArgumentException("mode: idle|output|forward1|forward16|backprop");
        };
        for (int i = 0; i < 10; i++) {
            gc();
            step.run();
        }
        long ws = 0;
        for (MemoryWorkspace w : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
            ws += w.getCurrentSize();
        }
        System.out.printf("mode=%s VmHWM_kB=%d workspaces_MB=%.2f%n", mode, status("VmHWM"), ws / 1048576.0);
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
