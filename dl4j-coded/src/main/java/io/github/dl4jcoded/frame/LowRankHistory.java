package io.github.dl4jcoded.frame;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * Adaptive frames from shared history: low-rank frames ({@link LowRankFrame}) for matrix
 * blocks whose bases come from the decoded past, as in PowerSGD, at no extra bytes. Every
 * participant starts from the same seeded random bases; after step t is decoded, each matrix
 * block's decoded symbols (M Q on a RIGHT step, M^T P on a LEFT step) are orthonormalized into
 * the basis of the other side, and the side flips: one power iteration per step, warm-started
 * from the last, tracking the dominant subspace of the (error-corrected) gradients.
 * Non-matrix blocks (biases) are sent whole through identity frames.
 *
 * <p>Each step's bases are an immutable snapshot kept for a few steps, so a straggler still
 * encoding step t sees step t's frames while the server has moved on. Participants must call
 * {@link #completeStep} with the same decoded symbols in the same order: in a synchronous
 * round the server's decode is that shared fact.
 */
public final class LowRankHistory implements FrameHistory {
    /** A block viewed as a rows x cols matrix stored in 'c' or 'f' order. */
    public record MatrixShape(int rows, int cols, char order) {
    }

    private record Snapshot(LowRankFrame.Side[] sides, double[][][] bases) {
    }

    private final int keepSteps;
    /** Smallest basis for a matrix block (capped by its smaller side). */
    public static final int MIN_BASIS = 4;

    private final long seed;
    private final MatrixShape[] shapes;
    private final int[] basisSizes;
    private final Map<Long, Snapshot> snapshots = new ConcurrentHashMap<>();
    private volatile long currentStep;

    /**
     * @param shapes per block id: its matrix shape, or null to send the block whole
     * @param ratio  target compression per matrix block: basis size r = max(MIN_BASIS, floor(rows*cols / (ratio * max(rows, cols)))), at most min(rows, cols)
     */
    public LowRankHistory(long seed, double ratio, MatrixShape[] shapes, long firstStep) {
        this(seed, ratio, shapes, firstStep, 4);
    }

    /** @param keepSteps steps of frames kept: the current one and the ones before it */
    public LowRankHistory(long seed, double ratio, MatrixShape[] shapes, long firstStep, int keepSteps) {
        if (!(ratio >= 1) || Double.isInfinite(ratio)) {
            throw new IllegalArgumentException("ratio must be finite and >= 1, got " + ratio);
        }
        if (keepSteps < 1) {
            throw new IllegalArgumentException("keep at least one step, got " + keepSteps);
        }
        this.keepSteps = keepSteps;
        this.seed = seed;
        this.shapes = shapes.clone();
        this.basisSizes = new int[shapes.length];
        LowRankFrame.Side[] sides = new LowRankFrame.Side[shapes.length];
        double[][][] bases = new double[shapes.length][][];
        for (int j = 0; j < shapes.length; j++) {
            MatrixShape s = shapes[j];
            if (s == null) {
                continue;
            }
            long cells = (long) s.rows() * s.cols();
            // At least MIN_BASIS vectors: small matrices (the output layer) cost few bytes anyway,
            // and rank 1 would throw most of their gradient away.
            int r = (int) Math.min(Math.min(s.rows(), s.cols()),
                    Math.max(MIN_BASIS, Math.floor(cells / (ratio * Math.max(s.rows(), s.cols())))));
            basisSizes[j] = r;
            sides[j] = LowRankFrame.Side.RIGHT;
            SplittableRandom rnd = new SplittableRandom(FrameFamily.mix(seed, -1, j));
            double[][] q = new double[r][s.cols()];
            for (double[] v : q) {
                for (int i = 0; i < v.length; i++) {
                    v[i] = rnd.nextDouble() - 0.5;
                }
            }
            LowRankFrame.orthonormalize(q, rnd);
            bases[j] = q;
        }
        this.currentStep = firstStep;
        snapshots.put(firstStep, new Snapshot(sides, bases));
    }

    /** The basis size r of block j (0 for blocks sent whole). */
    public int basisSize(int block) {
        return basisSizes[block];
    }

    @Override
    public long currentStep() {
        return currentStep;
    }

    /** True while the frames of {@code step} are kept (the current step and the few before it). */
    @Override
    public boolean hasStep(long step) {
        return snapshots.containsKey(step);
    }

    @Override
    public Frame frame(long step, int blockId, int b) {
        Snapshot snap = snapshots.get(step);
        if (snap == null) {
            throw new IllegalArgumentException("no frames for step " + step + " (current step " + currentStep
                    + "): low-rank frames exist only for the last " + keepSteps + " completed steps");
        }
        MatrixShape s = shapes[blockId];
        if (s == null) {
            return new IdentityFrame(b);
        }
        if ((long) s.rows() * s.cols() != b) {
            throw new IllegalArgumentException("block " + blockId + " has " + b + " entries, its shape says " + s);
        }
        return new LowRankFrame(s.rows(), s.cols(), s.order(), snap.sides()[blockId], snap.bases()[blockId]);
    }

    /**
     * Closes {@code step} (which must be the current one): every matrix block whose decoded
     * symbols are given moves to the other side with a basis made from them; blocks with
     * {@code null} (not decoded) keep their frame.
     */
    @Override
    public synchronized void completeStep(long step, IntFunction<double[]> decodedSymbols) {
        if (step != currentStep) {
            throw new IllegalArgumentException("step " + step + " is not the current step " + currentStep);
        }
        Snapshot cur = snapshots.get(step);
        LowRankFrame.Side[] sides = cur.sides().clone();
        double[][][] bases = cur.bases().clone();
        for (int j = 0; j < shapes.length; j++) {
            MatrixShape s = shapes[j];
            double[] sym = s == null ? null : decodedSymbols.apply(j);
            if (sym == null) {
                continue;
            }
            int r = basisSizes[j];
            boolean right = sides[j] == LowRankFrame.Side.RIGHT;
            int len = right ? s.rows() : s.cols(); // RIGHT symbols are M Q: rows x r
            if (sym.length != len * r) {
                throw new IllegalArgumentException("block " + j + ": " + sym.length + " symbols, expected " + len * r);
            }
            double[][] next = new double[r][len];
            for (int i = 0; i < len; i++) {
                for (int k = 0; k < r; k++) {
                    next[k][i] = sym[i * r + k];
                }
            }
            LowRankFrame.orthonormalize(next, new SplittableRandom(FrameFamily.mix(seed, step, j)));
            bases[j] = next;
            sides[j] = right ? LowRankFrame.Side.LEFT : LowRankFrame.Side.RIGHT;
        }
        snapshots.put(step + 1, new Snapshot(sides, bases));
        snapshots.remove(step + 1 - keepSteps);
        currentStep = step + 1;
    }

    /**
     * The kept bases and the current step, for checkpoints and for workers that join late: a
     * history restored from it gives the same frames and evolves the same way.
     */
    public record State(long currentStep, List<StepBases> steps) {
    }

    /** The bases of one kept step: per block its side and basis vectors (null for blocks sent whole). */
    public record StepBases(long step, LowRankFrame.Side[] sides, double[][][] bases) {
    }

    public synchronized State state() {
        List<StepBases> steps = new ArrayList<>();
        snapshots.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> steps.add(new StepBases(e.getKey(), e.getValue().sides(), e.getValue().bases())));
        return new State(currentStep, steps);
    }

    /** Replaces this history's state by {@code state}, checked against this history's block shapes. */
    private static final com.fasterxml.jackson.databind.ObjectMapper STATE_JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    @Override
    public byte[] exportState() {
        try {
            return STATE_JSON.writeValueAsBytes(state());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot serialize the low-rank history", e);
        }
    }

    @Override
    public void importState(byte[] state) {
        if (state == null) {
            throw new IllegalArgumentException("low-rank frames need the history state, got none");
        }
        State s;
        try {
            s = STATE_JSON.readValue(state, State.class);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("unreadable low-rank history state: " + e.getMessage(), e);
        }
        restore(s);
    }

    public synchronized void restore(State state) {
        if (state.steps().stream().noneMatch(s -> s.step() == state.currentStep())) {
            throw new IllegalArgumentException("history state lacks the bases of its current step " + state.currentStep());
        }
        Map<Long, Snapshot> restored = new java.util.HashMap<>();
        for (StepBases sb : state.steps()) {
            if (sb.sides().length != shapes.length || sb.bases().length != shapes.length) {
                throw new IllegalArgumentException("history state has " + sb.bases().length + " blocks, expected " + shapes.length);
            }
            for (int j = 0; j < shapes.length; j++) {
                if (shapes[j] == null) {
                    continue;
                }
                double[][] q = sb.bases()[j];
                int len = sb.sides()[j] == LowRankFrame.Side.RIGHT ? shapes[j].cols() : shapes[j].rows();
                if (q == null || q.length != basisSizes[j] || Arrays.stream(q).anyMatch(v -> v.length != len)) {
                    throw new IllegalArgumentException("history state: block " + j + " basis does not fit " + shapes[j]);
                }
            }
            restored.put(sb.step(), new Snapshot(sb.sides().clone(), sb.bases().clone()));
        }
        snapshots.clear();
        snapshots.putAll(restored);
        currentStep = state.currentStep();
    }

    @Override
    public long tag() {
        return FrameFamily.mix(seed, 0x10ca1L, Arrays.hashCode(basisSizes));
    }

    @Override
    public String toString() {
        return "LowRankHistory[seed=" + seed + ", bases=" + Arrays.toString(basisSizes) + "]";
    }
}
