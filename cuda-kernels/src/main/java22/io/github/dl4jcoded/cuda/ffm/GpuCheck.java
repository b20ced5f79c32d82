package io.github.dl4jcoded.cuda.ffm;

import io.github.dl4jcoded.cuda.CpuFrameCoder;
import io.github.dl4jcoded.cuda.Feedback;
import io.github.dl4jcoded.cuda.SketchPlan;
import io.github.dl4jcoded.frame.FrameFamily;
import io.github.dl4jcoded.frame.LowRankHistory;
import io.github.dl4jcoded.frame.LowRankHistory.MatrixShape;
import io.github.dl4jcoded.partition.Partition;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The GPU check that {@code gpu-kit.sh check} runs on a GPU machine: for each case, three steps of
 * encode with error feedback and one lift on the GPU against the CPU path (the Java frames, in
 * double), then the kernels' time against a device-to-device copy of the same gradient in the same
 * run. Prints a table and writes it as CSV.
 *
 * <p>Usage: {@code GpuCheck KERNEL_DIR [OUT_CSV]}.
 */
public final class GpuCheck {
    /** Agreement bar: float32 sums of about 32 terms per symbol against double. */
    static final double TOLERANCE = 1e-4;
    static final double RATIO = 32;
    static final Feedback FEEDBACK = new Feedback(0.9, 2.0);

    record Case(String name, Partition partition, double ratio) {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: GpuCheck KERNEL_DIR [OUT_CSV]");
            System.exit(2);
        }
        Path kernels = Path.of(args[0]);
        List<Case> cases = List.of(
                // LeNet's parameter blocks as the PARAM partition gives them (431,080 parameters).
                new Case("lenet-param", lenetParam(), RATIO),
                new Case("2^24-chunks-4096", Partition.chunks(1 << 24, 4096), RATIO),
                new Case("2^24-chunks-2048", Partition.chunks(1 << 24, 2048), RATIO),
                new Case("2^24-blocks-2^20", Partition.chunks(1 << 24, 1 << 20), RATIO),
                // the last block has 3 coordinates: the float4 kernels' one-by-one tail
                new Case("2^20+3-chunks-4096", Partition.chunks((1 << 20) + 3, 4096), RATIO),
                // other ratios: r >= 256 (one thread per bucket), and r small (many rows, a partial last row)
                new Case("2^20-chunks-4000-r8", Partition.chunks(1 << 20, 4000), 8),
                new Case("2^20-chunks-4000-r700", Partition.chunks(1 << 20, 4000), 700));
        PrintStream o = System.out;
        List<String> csv = new ArrayList<>();
        csv.add("case,n,blocks,device,encode_max_rel_err,residual_max_rel_err,lift_max_rel_err,copy_ms,lift_ms,lift_x_copy,encode_ms,encode_x_copy,lift_kernel,fused_kernel,gather4_256_x_copy,scalar_gather_x_copy,axpy_floor_ms,axpy_floor_x_copy");
        boolean allAgree = true;
        try {
            CudaDriver.get();
        } catch (io.github.dl4jcoded.cuda.SketchCoders.GpuUnavailableException e) {
            System.err.println("no GPU here: " + e.getMessage() + "; the GPU half is unverified on this machine");
            System.exit(3);
        }
        for (Case c : cases) {
            FrameFamily frames = new FrameFamily(FrameFamily.Kind.COUNT_SKETCH, 42, c.ratio());
            SketchPlan plan = SketchPlan.allBlocks(c.partition(), frames, FEEDBACK);
            try (CudaSketchCoder gpu = CudaSketchCoder.open(plan, kernels); CpuFrameCoder cpu = new CpuFrameCoder(plan)) {
                if (c == cases.get(0)) o.println("device: " + gpu.device());
                SplittableRandom rnd = new SplittableRandom(7);
                double encErr = 0, resErr = 0;
                float[] lastSymbols = null;
                // A second coder fed through a device pointer of another allocation (as an ND4J CUDA
                // buffer would be): it must give the same symbols (up to the order of the large blocks' atomic sums).
                boolean deviceInputSame = true;
                CudaDriver drv = gpu.driver();
                long external = drv.alloc(4L * plan.n());
                try (CudaSketchCoder viaDevice = CudaSketchCoder.open(plan, kernels)) {
                for (long step = 0; step < 3; step++) {
                    float[] g = gaussian(plan.n(), rnd);
                    float[] sg = gpu.encodeWithFeedback(step, g);
                    drv.upload(external, g);
                    deviceInputSame &= relErr(viaDevice.encodeWithFeedbackDevice(step, external), sg) < 1e-5;
                    float[] sc = cpu.encodeWithFeedback(step, g);
                    encErr = Math.max(encErr, relErr(sg, sc));
                    resErr = Math.max(resErr, relErr(gpu.residual(), cpu.residual()));
                    lastSymbols = sc;
                }
                } finally {
                    drv.free(external);
                }
                // The other float4 kernel must agree too (checked here, timed below).
                double altErr = 0;
                if (gpu.fusedAligned()) {
                    SplittableRandom again = new SplittableRandom(7);
                    try (CudaSketchCoder a = CudaSketchCoder.open(plan, kernels); CudaSketchCoder b = CudaSketchCoder.open(plan, kernels)) {
                        a.useFused(CudaSketchCoder.Fused.GATHER4);
                        b.useFused(CudaSketchCoder.Fused.GATHER4_128);
                        for (long step = 0; step < 3; step++) {
                            float[] g = gaussian(plan.n(), again);
                            altErr = Math.max(altErr, relErr(a.encodeWithFeedback(step, g), b.encodeWithFeedback(step, g)));
                        }
                    }
                    if (altErr >= TOLERANCE) o.println(c.name() + ": GATHER4 and GATHER4_128 disagree: " + altErr);
                }
                float[] base = gaussian(plan.n(), rnd);
                float[] lg = base.clone(), lc = base.clone();
                gpu.liftAdd(2, lastSymbols, 0.5f, lg);
                cpu.liftAdd(2, lastSymbols, 0.5f, lc);
                double liftErr = relErr(diff(lg, base), diff(lc, base));
                boolean agree = encErr < TOLERANCE && resErr < TOLERANCE && liftErr < TOLERANCE && deviceInputSame && altErr < TOLERANCE;
                allAgree &= agree;
                if (!deviceInputSame) o.println(c.name() + ": the device-pointer input gave other symbols than the host input");

                CudaDriver cuda = gpu.driver();
                long bytes = 4L * plan.n();
                long gBuf = gpu.gradientBuffer(), out = gpu.liftBuffer();
                double copy = median(cuda, () -> cuda.copy(out, gBuf, bytes));
                double lift = median(cuda, () -> gpu.launchLift(0.5f, out));
                double enc = median(cuda, () -> gpu.launchEncode(gBuf));
                // the other kernels, where the float4 one ran; and the traffic floor: e <- g + alpha e alone
                double encScalar = gpu.fusedAligned() ? median(cuda, () -> gpu.launchEncode(gBuf, CudaSketchCoder.Fused.GATHER)) : enc;
                double enc256 = gpu.fusedAligned() ? median(cuda, () -> gpu.launchEncode(gBuf, CudaSketchCoder.Fused.GATHER4)) : Double.NaN;
                double floor = plan.n() % 4 == 0 ? median(cuda, () -> gpu.launchTrafficFloor(gBuf)) : Double.NaN;
                o.printf("%-18s n=%,d blocks=%d  agree(enc %.1e, residual %.1e, lift %.1e)=%s  copy %.4f ms  lift %.4f ms (%.2fx, %s)"
                                + "  encode+EF %.4f ms (%.2fx, %s; 256 threads %.2fx, scalar %.2fx)  e=g+ae alone %.4f ms (%.2fx)%n",
                        c.name(), plan.n(), plan.blockCount(), encErr, resErr, liftErr, agree ? "yes" : "NO",
                        copy, lift, lift / copy, gpu.liftKernel(), enc, enc / copy, gpu.fusedKernel(), enc256 / copy, encScalar / copy, floor, floor / copy);
                csv.add(String.join(",", c.name(), Integer.toString(plan.n()), Integer.toString(plan.blockCount()),
                        '"' + gpu.device() + '"', fmt(encErr), fmt(resErr), fmt(liftErr), fmt(copy), fmt(lift), fmt(lift / copy),
                        fmt(enc), fmt(enc / copy), gpu.liftKernel(), gpu.fusedKernel().toString(), fmt(enc256 / copy), fmt(encScalar / copy), fmt(floor), fmt(floor / copy)));
            }
        }
        csv.add("");
        csv.add("lowrank_case,n,blocks,basis_sizes,encode_max_rel_err,residual_max_rel_err,lift_max_rel_err,copy_ms,lift_ms,lift_x_copy,untiled_lift_x_copy,encode_ms,encode_x_copy,untiled_encode_x_copy");
        allAgree &= lowRank(kernels, o, csv);
        if (args.length > 1) Files.write(Path.of(args[1]), csv);
        o.println(allAgree ? "GPU and CPU paths agree on every case (max relative error < " + TOLERANCE + ")"
                : "GPU and CPU paths DISAGREE (see above)");
        System.exit(allAgree ? 0 : 1);
    }

    record LowRankCase(String name, Partition partition, MatrixShape[] shapes) {}

    /**
     * Low-rank frames: three steps (RIGHT, LEFT, RIGHT: the history flips each matrix's side after a
     * step, from the CPU path's symbols, as a server's decode would) on the GPU against the Java
     * frames, then times against a copy of the same gradient.
     */
    static boolean lowRank(Path kernels, PrintStream o, List<String> csv) {
        MatrixShape[] lenet = {null, new MatrixShape(20, 25, 'c'), null, new MatrixShape(50, 500, 'c'),
                new MatrixShape(800, 500, 'f'), null, new MatrixShape(500, 10, 'f'), null};
        List<LowRankCase> cases = List.of(
                new LowRankCase("lenet-param-lowrank", lenetParam(), lenet),
                // a 3x3 convolution of 512 -> 512 channels, DL4J's [nOut, nIn*kH*kW] 'c' layout
                new LowRankCase("conv-512x4608-lowrank", Partition.chunks(512 * 4608, 512 * 4608), new MatrixShape[] {new MatrixShape(512, 4608, 'c')}),
                new LowRankCase("4096x4096-lowrank", Partition.chunks(1 << 24, 1 << 24), new MatrixShape[] {new MatrixShape(4096, 4096, 'f')}));
        boolean allAgree = true;
        for (LowRankCase c : cases) {
            LowRankHistory history = new LowRankHistory(42, RATIO, c.shapes(), 0, 4);
            int[] blocks = java.util.stream.IntStream.range(0, c.partition().blockCount()).toArray();
            StringBuilder sizes = new StringBuilder();
            for (int j : blocks) if (c.shapes()[j] != null) sizes.append(sizes.length() == 0 ? "" : " ").append(history.basisSize(j));
            try (CudaLowRankCoder gpu = CudaLowRankCoder.open(c.partition(), history, blocks, FEEDBACK, kernels);
                 CpuFrameCoder cpu = new CpuFrameCoder(c.partition(), history, blocks, FEEDBACK)) {
                SplittableRandom rnd = new SplittableRandom(11);
                double encErr = 0, resErr = 0, liftErr = 0;
                for (long step = 0; step < 3; step++) {
                    float[] g = gaussian(c.partition().size(), rnd);
                    float[] sg = gpu.encodeWithFeedback(step, g);
                    float[] sc = cpu.encodeWithFeedback(step, g);
                    encErr = Math.max(encErr, relErr(sg, sc));
                    resErr = Math.max(resErr, relErr(gpu.residual(), cpu.residual()));
                    float[] base = gaussian(c.partition().size(), rnd);
                    float[] lg = base.clone(), lc = base.clone();
                    gpu.liftAdd(step, sc, 0.5f, lg);
                    cpu.liftAdd(step, sc, 0.5f, lc);
                    liftErr = Math.max(liftErr, relErr(diff(lg, base), diff(lc, base)));
                    int[] off = cpu.symbolOffsets(step);
                    history.completeStep(step, j -> {
                        double[] d = new double[off[j + 1] - off[j]];
                        for (int t = 0; t < d.length; t++) d[t] = sc[off[j] + t];
                        return d;
                    });
                }
                boolean agree = encErr < TOLERANCE && resErr < TOLERANCE && liftErr < TOLERANCE;
                allAgree &= agree;
                CudaDriver cuda = gpu.driver();
                long bytes = 4L * c.partition().size();
                long gBuf = gpu.gradientBuffer(), out = gpu.liftBuffer();
                double copy = median(cuda, () -> cuda.copy(out, gBuf, bytes));
                double lift = median(cuda, () -> gpu.launchLift(0.5f, out));
                double enc = median(cuda, () -> gpu.launchEncode(gBuf));
                gpu.usePlainKernels(true);
                double plainLift = median(cuda, () -> gpu.launchLift(0.5f, out));
                double plainEnc = median(cuda, () -> gpu.launchEncode(gBuf));
                gpu.usePlainKernels(false);
                o.printf("%-22s n=%,d blocks=%d r=[%s]  agree(enc %.1e, residual %.1e, lift %.1e)=%s  copy %.4f ms  lift %.4f ms (%.2fx; untiled %.2fx)  encode+EF %.4f ms (%.2fx; untiled %.2fx)%n",
                        c.name(), c.partition().size(), blocks.length, sizes, encErr, resErr, liftErr, agree ? "yes" : "NO",
                        copy, lift, lift / copy, plainLift / copy, enc, enc / copy);
                csv.add(String.join(",", c.name(), Integer.toString(c.partition().size()), Integer.toString(blocks.length), sizes.toString(),
                        fmt(encErr), fmt(resErr), fmt(liftErr), fmt(copy), fmt(lift), fmt(lift / copy), fmt(plainLift / copy), fmt(enc), fmt(enc / copy), fmt(plainEnc / copy)));
            } catch (io.github.dl4jcoded.cuda.SketchCoders.GpuUnavailableException e) {
                throw new IllegalStateException(e);
            }
        }
        return allAgree;
    }

    static Partition lenetParam() {
        // name, length in DL4J's parameter order: conv biases come before their weights.
        String[] names = {"0_b", "0_W", "2_b", "2_W", "4_W", "4_b", "5_W", "5_b"};
        int[] sizes = {20, 500, 50, 25_000, 400_000, 500, 5_000, 10};
        List<Partition.Segment> segs = new ArrayList<>();
        int off = 0;
        for (int i = 0; i < sizes.length; i++) {
            segs.add(new Partition.Segment(names[i], off, sizes[i]));
            off += sizes[i];
        }
        return Partition.segments(segs);
    }

    /** Median over 7 trials of the mean time of 20 back-to-back runs, after 5 warm-up runs. */
    static double median(CudaDriver cuda, Runnable op) {
        for (int i = 0; i < 5; i++) op.run();
        cuda.synchronize();
        double[] t = new double[7];
        for (int trial = 0; trial < t.length; trial++) {
            t[trial] = cuda.time(() -> {
                for (int i = 0; i < 20; i++) op.run();
            }) / 20.0;
        }
        Arrays.sort(t);
        return t[t.length / 2];
    }

    static float[] gaussian(int n, SplittableRandom rnd) {
        float[] g = new float[n];
        for (int i = 0; i < n; i++) g[i] = (float) (rnd.nextGaussian() * 1e-2);
        return g;
    }

    static float[] diff(float[] a, float[] b) {
        float[] d = new float[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i] - b[i];
        return d;
    }

    /** max |a - b| / max |b|. */
    static double relErr(float[] a, float[] b) {
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            num = Math.max(num, Math.abs((double) a[i] - b[i]));
            den = Math.max(den, Math.abs(b[i]));
        }
        return den == 0 ? num : num / den;
    }

    static String fmt(double v) { return String.format("%.6g", v); }
}
