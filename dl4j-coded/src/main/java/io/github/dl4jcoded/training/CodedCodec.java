package io.github.dl4jcoded.training;

import io.github.dl4jcoded.code.Code;
import io.github.dl4jcoded.code.Codes;
import io.github.dl4jcoded.decode.Codeword;
import io.github.dl4jcoded.decode.CodewordEncoder;
import io.github.dl4jcoded.decode.Decoder;
import io.github.dl4jcoded.decode.InvalidCodewordException;
import io.github.dl4jcoded.decode.PeelingDecoder;
import io.github.dl4jcoded.decode.ProjectiveDecoder;
import io.github.dl4jcoded.engine.DirectionalDerivativeEngine;
import io.github.dl4jcoded.engine.ForwardModeEngine;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import io.github.dl4jcoded.feedback.ErrorFeedback;
import io.github.dl4jcoded.frame.FrameFamily;
import io.github.dl4jcoded.frame.FrameSource;
import io.github.dl4jcoded.frame.LowRankHistory;
import io.github.dl4jcoded.nn.ParamLayout;
import io.github.dl4jcoded.nn.NetworkPartitions;
import io.github.dl4jcoded.partition.Block;
import io.github.dl4jcoded.partition.Partition;
import io.github.dl4jcoded.updater.GradientMask;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Coded gradients: the parameters are cut into blocks, each block is compressed by a seeded
 * frame, and a sparse code says which blocks each worker task combines. Workers send
 * codewords; the server decodes each round (peeling or projective) into a partial gradient
 * whose mask is the set of blocks it could say something about.
 */
public final class CodedCodec implements GradientCodec {
    private final CodedTrainingConfig config;
    private final Partition partition;
    private final Code code;
    private final FrameSource family;
    private final LowRankHistory history; // non-null for LOW_RANK frames
    private final CodewordEncoder encoder;
    private final int[][] tasksOfWorker;
    private final int[] workerOfTask;

    public CodedCodec(MultiLayerNetwork net, CodedTrainingConfig config) {
        this.config = config;
        this.partition = NetworkPartitions.build(net, config.partition(), config.chunkSize());
        int k = partition.blockCount();
        int n = config.workers();
        this.code = switch (config.code()) {
            case REPETITION -> Codes.repetition(k, n);
            case SYSTEMATIC -> Codes.systematic(k, config.parityTasks(), config.rowWeight(), config.seed());
        };
        if (config.frame() == CodedTrainingConfig.FrameKind.LOW_RANK) {
            this.history = new LowRankHistory(config.seed(), config.compression(), matrixShapes(net, partition), 0);
            this.family = history;
        } else {
            this.history = null;
            this.family = new FrameFamily(FrameFamily.Kind.valueOf(config.frame().name()), config.seed(), config.compression());
        }
        this.encoder = new CodewordEncoder(partition, code, family);
        // REPETITION: worker w computes copy w of every block; otherwise tasks go round robin.
        workerOfTask = new int[code.taskCount()];
        List<List<Integer>> byWorker = new ArrayList<>();
        for (int w = 0; w < n; w++) {
            byWorker.add(new ArrayList<>());
        }
        for (int t = 0; t < code.taskCount(); t++) {
            int w = config.code() == CodedTrainingConfig.CodeKind.REPETITION ? t / k : t % n;
            workerOfTask[t] = w;
            byWorker.get(w).add(t);
        }
        tasksOfWorker = new int[n][];
        for (int w = 0; w < n; w++) {
            tasksOfWorker[w] = byWorker.get(w).stream().mapToInt(Integer::intValue).toArray();
        }
    }

    public Partition partition() {
        return partition;
    }

    public Code code() {
        return code;
    }

    public CodewordEncoder encoder() {
        return encoder;
    }

    public int[] tasksOf(int worker) {
        return tasksOfWorker[worker].clone();
    }

    @Override
    public WorkerSide workerSide(int worker) {
        int[] tasks = tasksOfWorker[worker];
        ErrorFeedback[] feedback = new ErrorFeedback[tasks.length];
        if (config.errorFeedback()) {
            for (int i = 0; i < tasks.length; i++) {
                feedback[i] = new ErrorFeedback(encoder, tasks[i], config.feedbackDecay(), config.feedbackClip());
            }
        }
        WorkerSide side = config.engine() == CodedTrainingConfig.EngineKind.FORWARD
                ? forwardModeWorker(worker, tasks) : reverseModeWorker(worker, tasks, feedback);
        // History frames exist only for the last few rounds: a straggler that far behind skips its job.
        return history == null ? side : (replica, shard, round, version) ->
                history.hasStep(round) ? side.compute(replica, shard, round, version) : null;
    }

    private WorkerSide reverseModeWorker(int worker, int[] tasks, ErrorFeedback[] feedback) {
        return (replica, shard, round, version) -> {
            double[] g = Backprop.meanGradient(replica, shard);
            List<Codeword> cws = new ArrayList<>(tasks.length);
            for (int i = 0; i < tasks.length; i++) {
                cws.add(feedback[i] != null ? feedback[i].step(round, g) : encoder.encode(round, tasks[i], g));
            }
            return new WorkerMessage(round, version, worker, shard.numExamples(), replica.score(), cws, null);
        };
    }

    /** Most tangents pushed through the network in one forward-mode pass (bounds memory: m x n directions). */
    static final int MAX_TANGENTS_PER_PASS = 32;

    /**
     * Forward mode: every symbol is computed directly as the directional derivative along its
     * codeword direction, never forming the gradient (no backward pass, no stored activations).
     */
    private WorkerSide forwardModeWorker(int worker, int[] tasks) {
        DirectionalDerivativeEngine engine = new ForwardModeEngine();
        int n = partition.size();
        return (replica, shard, round, version) -> {
            List<Codeword> cws = new ArrayList<>(tasks.length);
            double loss = Double.NaN;
            double[] row = new double[n];
            for (int task : tasks) {
                int m = encoder.symbolCount(round, task);
                double[] symbols = new double[m];
                for (int from = 0; from < m; from += MAX_TANGENTS_PER_PASS) {
                    int count = Math.min(MAX_TANGENTS_PER_PASS, m - from);
                    INDArray dirs = Nd4j.create(replica.params().dataType(), count, n);
                    for (int t = 0; t < count; t++) {
                        encoder.direction(round, task, from + t, row);
                        dirs.putRow(t, Nd4j.createFromArray(row).castTo(dirs.dataType()));
                    }
                    DirectionalDerivativeEngine.Result r = engine.compute(replica, shard.getFeatures(), shard.getLabels(), dirs);
                    System.arraycopy(r.derivatives(), 0, symbols, from, count);
                    loss = r.loss();
                }
                cws.add(Codeword.of(code, family, round, task, symbols));
            }
            return new WorkerMessage(round, version, worker, shard.numExamples(), loss, cws, null);
        };
    }

    @Override
    public Round newRound(long round, int[] liveWorkers) {
        Decoder decoder = config.decoder() == CodedTrainingConfig.DecoderKind.PEELING
                ? new PeelingDecoder(partition, code, family, round)
                : new ProjectiveDecoder(partition, code, family, round);
        return new Round() {
            private final RoundTally tally = new RoundTally();

            @Override
            public void offer(WorkerMessage m) {
                Messages.checkHeader(m);
                if (m.dense() != null || m.codewords().isEmpty()) {
                    throw new IllegalArgumentException("coded round got a message without codewords from worker " + m.worker());
                }
                for (Codeword cw : m.codewords()) {
                    if (cw.task() < 0 || cw.task() >= workerOfTask.length || workerOfTask[cw.task()] != m.worker()) {
                        throw new InvalidCodewordException(
                                InvalidCodewordException.Reason.UNKNOWN_TASK,
                                "worker " + m.worker() + " sent a codeword for task " + cw.task() + ", which is not one of its tasks");
                    }
                }
                decoder.offerAll(m.codewords()); // all or nothing: a refused message leaves no trace

                tally.add(m);
            }

            @Override
            public boolean isEmpty() {
                return tally.examples() == 0;
            }

            @Override
            public boolean isComplete() {
                return tally.received() == liveWorkers.length || decoder.receivedCount() == code.taskCount();
            }

            @Override
            public void finish() {
                if (history != null) {
                    // Every participant advances the frames with the same decoded symbols.
                    history.completeStep(round, j -> decoder.status(j) == io.github.dl4jcoded.decode.BlockStatus.MISSING
                            ? null : decoder.symbols(j));
                }
            }

            @Override
            public Estimate estimate() {
                double[] g = new double[partition.size()];
                BitSet known = decoder.writeEstimate(g);
                GradientMask mask = known.cardinality() == partition.blockCount() ? null : maskOf(known);
                return new Estimate(g, mask, tally.meanLoss(), tally.examples());
            }
        };
    }

    private GradientMask maskOf(BitSet blocks) {
        List<Long> ranges = new ArrayList<>();
        for (int j = blocks.nextSetBit(0); j >= 0; j = blocks.nextSetBit(j + 1)) {
            Block b = partition.block(j);
            for (int r = 0; r < b.rangeCount(); r++) {
                ranges.add((long) b.rangeStart(r));
                ranges.add((long) b.rangeStart(r) + b.rangeLength(r));
            }
        }
        return GradientMask.ofRanges(ranges.stream().mapToLong(Long::longValue).toArray());
    }

    /** Symbols (float32 scalars) one worker sends in {@code round}. */
    public long symbolsPerRound(long round, int worker) {
        long s = 0;
        for (int t : tasksOfWorker[worker]) {
            s += encoder.symbolCount(round, t);
        }
        return s;
    }

    /**
     * Each PARAM block's matrix view for low-rank frames: dense W [nIn, nOut] ('f') as nIn x nOut,
     * convolution W [nOut, nIn, kH, kW] ('c') as nOut x (nIn*kH*kW); vectors are sent whole.
     */
    private static LowRankHistory.MatrixShape[] matrixShapes(MultiLayerNetwork net, Partition partition) {
        ParamLayout layout = ParamLayout.of(net);
        LowRankHistory.MatrixShape[] shapes = new LowRankHistory.MatrixShape[partition.blockCount()];
        for (int j = 0; j < partition.blockCount(); j++) {
            Block b = partition.block(j);
            ParamLayout.ParamRange e = layout.layerOf(b.offset()).params().stream()
                    .filter(p -> p.from() == b.offset()).findFirst().orElseThrow();
            if (e.length() != b.size() || !e.key().equals("W")) {
                continue;
            }
            long[] sh = e.shape();
            if (sh.length == 2 && sh[0] > 1 && sh[1] > 1) {
                shapes[j] = new LowRankHistory.MatrixShape((int) sh[0], (int) sh[1], e.order());
            } else if (sh.length == 4) {
                shapes[j] = new LowRankHistory.MatrixShape((int) sh[0], (int) (sh[1] * sh[2] * sh[3]), e.order());
            }
        }
        return shapes;
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper STATE_JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    @Override
    public byte[] exportState() {
        if (history == null) {
            return null;
        }
        try {
            return STATE_JSON.writeValueAsBytes(history.exportState());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot serialize the low-rank history", e);
        }
    }

    @Override
    public void importState(byte[] state) {
        if (history == null) {
            GradientCodec.super.importState(state);
            return;
        }
        if (state == null) {
            throw new IllegalArgumentException("low-rank frames need the history state, got none");
        }
        try {
            history.restore(STATE_JSON.readValue(state, LowRankHistory.State.class));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("unreadable low-rank history state: " + e.getMessage(), e);
        }
    }

    @Override
    public long denseMessageBytes() {
        return WorkerMessage.HEADER_BYTES + 4L * partition.size();
    }
}
