package io.github.dl4jcoded.training;

import io.github.dl4jcoded.code.Code;
import io.github.dl4jcoded.code.CodeSpec;
import io.github.dl4jcoded.decode.BlockStatus;
import io.github.dl4jcoded.decode.Codeword;
import io.github.dl4jcoded.decode.CodewordEncoder;
import io.github.dl4jcoded.decode.Decoder;
import io.github.dl4jcoded.decode.InvalidCodewordException;
import io.github.dl4jcoded.decode.StepFrames;
import io.github.dl4jcoded.decode.SymbolPrecision;
import io.github.dl4jcoded.feedback.ErrorFeedback;
import io.github.dl4jcoded.frame.FrameHistory;
import io.github.dl4jcoded.frame.FrameSource;
import io.github.dl4jcoded.frame.FrameSpec;
import io.github.dl4jcoded.frame.LowRankHistory;
import io.github.dl4jcoded.nn.NetworkPartitions;
import io.github.dl4jcoded.nn.ParamLayout;
import io.github.dl4jcoded.partition.Block;
import io.github.dl4jcoded.partition.Partition;
import io.github.dl4jcoded.updater.GradientMask;
import io.github.dl4jcoded.nn.Network;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Coded gradients: the parameters are cut into blocks, each block is compressed by a seeded (or
 * history-made) frame, and a sparse code says which blocks each worker task combines. Workers
 * send codewords; the server decodes each round (with the configured decoder) into the symbols
 * of every block it could say something about, and those symbols, lifted through the frames, are
 * the gradient the updater applies. Frames, code, decoder and engine are the configuration's
 * components; this class only wires them together.
 */
public final class CodedCodec implements GradientCodec {
    private final CodedTrainingConfig config;
    private final Partition partition;
    private final Code code;
    private final FrameSource family;
    private final FrameHistory history; // non-null for frames made from the decoded history
    private final CodewordEncoder encoder;
    private final int[][] tasksOfWorker;
    private final int[] workerOfTask;
    private final int valueBytes; // decoded values are rounded to the symbol precision, or the parameters' when float32
    private StepFrames lastFrames; // write() is called once per update: cache that step's frames

    public CodedCodec(Network net, CodedTrainingConfig config) {
        this.config = config;
        this.valueBytes = config.symbolPrecision() == SymbolPrecision.FLOAT32 ? ParameterServerSetup.valueBytes(net)
                : config.symbolPrecision().bytes();
        this.partition = NetworkPartitions.build(net, config.partition(), config.chunkSize());
        int k = partition.blockCount();
        int n = config.workers();
        this.code = config.code().create(new CodeSpec(k, n, config.parityTasks(), config.rowWeight(), config.seed()));
        if (code.blockCount() != k) {
            throw new IllegalArgumentException("code " + config.code() + " made a code over " + code.blockCount()
                    + " blocks for a partition of " + k);
        }
        int[] sizes = new int[k];
        for (int j = 0; j < k; j++) {
            sizes[j] = partition.block(j).size();
        }
        this.family = config.frame().create(new FrameSpec(config.seed(), config.compression(), sizes, matrixShapes(net, partition),
                keptSteps(config)));
        this.history = family instanceof FrameHistory h ? h : null;
        this.encoder = new CodewordEncoder(partition, code, family);
        workerOfTask = new int[code.taskCount()];
        List<List<Integer>> byWorker = new ArrayList<>();
        for (int w = 0; w < n; w++) {
            byWorker.add(new ArrayList<>());
        }
        for (int t = 0; t < code.taskCount(); t++) {
            int w = config.code().slotOf(code, t, n);
            if (w < 0 || w >= n) {
                throw new IllegalArgumentException("code " + config.code() + " gives task " + t + " to slot " + w + " of " + n);
            }
            workerOfTask[t] = w;
            byWorker.get(w).add(t);
        }
        tasksOfWorker = new int[n][];
        for (int w = 0; w < n; w++) {
            tasksOfWorker[w] = byWorker.get(w).stream().mapToInt(Integer::intValue).toArray();
            if (tasksOfWorker[w].length == 0) {
                throw new IllegalArgumentException("code " + config.code() + " has " + code.taskCount() + " tasks for " + n
                        + " workers: worker " + w + " would have none; cut the network into more blocks (partition CHUNK or"
                        + " OUTPUT_UNIT), add parity tasks, or use fewer workers");
            }
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

    /** What the symbols of this run travel in, both ways. */
    public SymbolPrecision precision() {
        return config.symbolPrecision();
    }

    /** The error feedback of one of a worker's tasks as this run configures it (it rounds what it sends to the precision). */
    public ErrorFeedback errorFeedback(int task) {
        return new ErrorFeedback(encoder, task, config.feedbackDecay(), config.feedbackClip(), config.symbolPrecision());
    }

    @Override
    public WorkerSide workerSide(int worker) {
        int[] tasks = tasksOfWorker[worker];
        ErrorFeedback[] feedback = null;
        if (config.errorFeedback() && config.engine().formsGradient()) {
            feedback = new ErrorFeedback[tasks.length];
            for (int i = 0; i < tasks.length; i++) {
                feedback[i] = errorFeedback(tasks[i]);
            }
        }
        ErrorFeedback[] fb = feedback;
        WorkerEngine engine = config.engine().forWorker();
        return (replica, shard, round, version) -> {
            long step = frameStep(round, version);
            // History frames exist only for the last few steps: a straggler that far behind skips its job.
            if (history != null && !history.hasStep(step)) {
                return null;
            }
            WorkerEngine.Encoded e = engine.encode(replica, shard, step, tasks, encoder, fb);
            // Error feedback has rounded its own codewords (and kept what rounding dropped); the others here.
            List<Codeword> sent = e.codewords().stream().map(config.symbolPrecision()::roundAtSource).toList();
            return new WorkerMessage(round, version, worker, shard.numExamples(), e.loss(), sent, null, config.symbolPrecision(),
                    e.runningStatistics());
        };
    }

    /**
     * The step whose frames a job is encoded with: a SYNC round's own; in ASYNC, one step per
     * {@link CodedTrainingConfig#framesEvery()} versions of the parameters the worker read, so that answers computed
     * against nearby versions share frames and add up in the same coordinates.
     */
    public long frameStep(long round, long version) {
        return config.policy() == CodedTrainingConfig.Policy.SYNC ? round : version / config.framesEvery();
    }

    /** Steps of history-made frames to keep: a straggler's answer must still find the frames it used. */
    private static int keptSteps(CodedTrainingConfig config) {
        return config.policy() == CodedTrainingConfig.Policy.SYNC ? 4
                : Math.max(4, config.stalenessBound() / config.framesEvery() + 3);
    }

    @Override
    public Round newRound(long round, int[] liveWorkers) {
        Decoder decoder = config.decoder().create(partition, code, family, round);
        return new Round() {
            @Override
            public void offer(WorkerMessage m) {
                checkTasks(m);
                try {
                    decoder.offerAll(m.codewords()); // all or nothing: a refused message leaves no trace
                } catch (InvalidCodewordException e) {
                    throw new RejectedMessageException(reasonFor(e.reason()), e.getMessage());
                }
            }

            @Override
            public boolean isEmpty() {
                return decoder.receivedCount() == 0;
            }

            @Override
            public boolean isComplete() {
                return decoder.receivedCount() == code.taskCount();
            }

            @Override
            public DecodedGradient decode() {
                if (isEmpty()) {
                    return DecodedGradient.none();
                }
                List<Integer> blocks = new ArrayList<>();
                List<double[]> symbols = new ArrayList<>();
                for (int j = 0; j < partition.blockCount(); j++) {
                    if (decoder.status(j) == BlockStatus.MISSING) {
                        continue;
                    }
                    double[] s = decoder.symbols(j);
                    for (int t = 0; t < s.length; t++) {
                        s[t] = DecodedGradient.round(s[t], valueBytes);
                    }
                    blocks.add(j);
                    symbols.add(s);
                }
                return DecodedGradient.coded(List.of(new SymbolGroup(round,
                        blocks.stream().mapToInt(Integer::intValue).toArray(), symbols.toArray(new double[0][]))), valueBytes);
            }
        };
    }

    @Override
    public Window newWindow() {
        return new CodedWindow();
    }

    /** Checks the rows of a message before any decoder sees it: every task the sender's, none twice. */
    private void checkTasks(WorkerMessage m) {
        if (m.dense() != null || m.codewords().isEmpty()) {
            throw new RejectedMessageException(RejectReason.MALFORMED, "a coded server needs codewords and no dense gradient");
        }
        if (m.precision() != config.symbolPrecision()) {
            throw new RejectedMessageException(RejectReason.MALFORMED, "symbols in " + m.precision() + "; this run's travel in "
                    + config.symbolPrecision());
        }
        BitSet tasks = new BitSet(workerOfTask.length);
        for (Codeword cw : m.codewords()) {
            if (cw == null || cw.task() < 0 || cw.task() >= workerOfTask.length || workerOfTask[cw.task()] != m.worker()) {
                throw new RejectedMessageException(RejectReason.UNKNOWN_TASK, "a codeword for task "
                        + (cw == null ? "null" : cw.task()) + ", which is not one of worker " + m.worker() + "'s tasks");
            }
            if (tasks.get(cw.task())) {
                throw new RejectedMessageException(RejectReason.MALFORMED, "task " + cw.task() + " twice in one message");
            }
            tasks.set(cw.task());
        }
    }

    /**
     * The asynchronous accumulator. Answers are grouped by the frame step they were encoded with;
     * within a step, a decoder takes each answer on arrival (a second answer for the same tasks
     * opens another decoder of that step), and the accumulator keeps, per step and block, the sum of
     * its decoders' estimates weighted by how many received tasks cover the block, updated by the
     * increment every arrival makes. Decoded, a block is the coverage-weighted mean over every step
     * and decoder: for the repetition code, the mean of every copy received, each lifted with the
     * frames it was computed in, then projected onto the newest frames in the window (the frames
     * are orthonormal, so a late answer's symbols s become {@code F_new^T F_old s}, its best
     * approximation in the span the fresh answers use). The update is then one group of symbols in
     * one set of frames: one message's worth on the downlink however many answers were late, and
     * all of it counts toward the history that makes the next frames.
     */
    private final class CodedWindow implements Window {
        private final java.util.Map<Long, List<Instance>> instances = new java.util.TreeMap<>();
        private final java.util.Map<Long, double[][]> acc = new java.util.TreeMap<>();
        private final double[] coverage = new double[partition.blockCount()];
        private int accepted;

        /** One decoder of a step, with the estimate (and its coverage weight) it had after its last arrival. */
        private final class Instance {
            final Decoder decoder;
            final double[][] symbols = new double[partition.blockCount()][];
            final int[] weight = new int[partition.blockCount()];
            final int[] covered = new int[partition.blockCount()];

            Instance(long step) {
                decoder = config.decoder().create(partition, code, family, step);
            }

            boolean takes(WorkerMessage m) {
                for (Codeword cw : m.codewords()) {
                    if (decoder.hasReceived(cw.task())) {
                        return false;
                    }
                }
                return true;
            }
        }

        @Override
        public void offer(WorkerMessage m) {
            checkTasks(m);
            long step = frameStep(m.round(), m.version());
            for (Codeword cw : m.codewords()) {
                if (cw.step() != step) {
                    throw new RejectedMessageException(RejectReason.MALFORMED, "a codeword in the frames of step " + cw.step()
                            + "; a worker that read version " + m.version() + " encodes with step " + step);
                }
            }
            if (history != null && !history.hasStep(step)) {
                throw new RejectedMessageException(RejectReason.STALE, "the frames of step " + step + " are gone");
            }
            List<Instance> list = instances.computeIfAbsent(step, s -> new ArrayList<>());
            Instance in = list.stream().filter(i -> i.takes(m)).findFirst().orElse(null);
            boolean fresh = in == null;
            if (fresh) {
                in = new Instance(step);
            }
            try {
                in.decoder.offerAll(m.codewords());
            } catch (InvalidCodewordException e) {
                throw new RejectedMessageException(reasonFor(e.reason()), e.getMessage());
            }
            if (fresh) {
                list.add(in);
            }
            for (Codeword cw : m.codewords()) {
                for (int j : code.blocks(cw.task())) {
                    in.covered[j]++;
                }
            }
            // The increment: the decoder's new estimate minus its last one, weighted by coverage.
            double[][] sums = acc.computeIfAbsent(step, s -> new double[partition.blockCount()][]);
            for (int j = 0; j < partition.blockCount(); j++) {
                double[] now = in.decoder.status(j) == BlockStatus.MISSING ? null : in.decoder.symbols(j);
                double[] before = in.symbols[j];
                if (now == null && before == null) {
                    continue;
                }
                double[] sum = sums[j] == null ? (sums[j] = new double[now != null ? now.length : before.length]) : sums[j];
                int weightNow = now == null ? 0 : in.covered[j];
                for (int t = 0; t < sum.length; t++) {
                    sum[t] += (now == null ? 0 : weightNow * now[t]) - (before == null ? 0 : in.weight[j] * before[t]);
                }
                coverage[j] += weightNow - in.weight[j];
                in.symbols[j] = now;
                in.weight[j] = weightNow;
            }
            accepted++;
        }

        @Override
        public int accepted() {
            return accepted;
        }

        @Override
        public DecodedGradient decode() {
            if (accepted == 0) {
                return DecodedGradient.none();
            }
            long newest = ((java.util.TreeMap<Long, double[][]>) acc).lastKey();
            StepFrames target = new StepFrames(family, partition, newest);
            java.util.Map<Long, StepFrames> older = new java.util.HashMap<>();
            List<Integer> blocks = new ArrayList<>();
            List<double[]> symbols = new ArrayList<>();
            double[] lifted = null;
            for (int j = 0; j < partition.blockCount(); j++) {
                if (coverage[j] <= 0) {
                    continue;
                }
                double[] s = new double[target.rank(j)];
                for (java.util.Map.Entry<Long, double[][]> e : acc.entrySet()) {
                    double[] sum = e.getValue()[j];
                    if (sum == null) {
                        continue;
                    }
                    if (e.getKey() == newest) {
                        for (int t = 0; t < s.length; t++) {
                            s[t] += sum[t];
                        }
                        continue;
                    }
                    if (lifted == null) {
                        lifted = new double[partition.maxBlockSize()];
                    }
                    double[] projected = new double[s.length];
                    older.computeIfAbsent(e.getKey(), step -> new StepFrames(family, partition, step)).frame(j).lift(sum, lifted, 0);
                    target.frame(j).encode(lifted, 0, projected);
                    for (int t = 0; t < s.length; t++) {
                        s[t] += projected[t];
                    }
                }
                for (int t = 0; t < s.length; t++) {
                    s[t] = DecodedGradient.round(s[t] / coverage[j], valueBytes);
                }
                blocks.add(j);
                symbols.add(s);
            }
            if (blocks.isEmpty()) {
                return DecodedGradient.coded(List.of(), valueBytes);
            }
            return DecodedGradient.coded(List.of(new SymbolGroup(newest, blocks.stream().mapToInt(Integer::intValue).toArray(),
                    symbols.toArray(new double[0][]))), valueBytes);
        }
    }

    /** The decoder's reasons in the server's terms: the one mapping from one to the other. */
    private static RejectReason reasonFor(InvalidCodewordException.Reason r) {
        return switch (r) {
            case NOT_FINITE -> RejectReason.NON_FINITE;
            case WRONG_FRAMES -> RejectReason.WRONG_FRAME;
            case UNKNOWN_TASK, WRONG_CODE_ROW -> RejectReason.UNKNOWN_TASK;
            case DUPLICATE -> RejectReason.REPLAY;
            case NULL, WRONG_STEP, WRONG_LENGTH -> RejectReason.MALFORMED;
        };
    }

    @Override
    public GradientMask write(DecodedGradient decoded, double[] gradient) {
        if (gradient.length != partition.size()) {
            throw new IllegalArgumentException("gradient of " + gradient.length + " entries, the partition has " + partition.size());
        }
        if (decoded.dense() != null) {
            throw new IllegalArgumentException("a coded update cannot be dense");
        }
        // Everything is checked before anything is written: a bad update changes nothing.
        BitSet seen = new BitSet(partition.blockCount());
        List<StepFrames> frames = new ArrayList<>(decoded.groups().size());
        for (SymbolGroup g : decoded.groups()) {
            if (history != null && !history.hasStep(g.frameStep())) {
                throw new IllegalArgumentException("no frames for step " + g.frameStep() + " any more");
            }
            StepFrames f = framesOf(g.frameStep());
            frames.add(f);
            BitSet inGroup = new BitSet();
            for (int i = 0; i < g.blocks().length; i++) {
                int j = g.blocks()[i];
                if (j < 0 || j >= partition.blockCount() || inGroup.get(j)) {
                    throw new IllegalArgumentException("block " + j + " is not a block of this partition, or twice in one group");
                }
                inGroup.set(j);
                double[] s = g.symbols()[i];
                if (s == null || s.length != f.rank(j)) {
                    throw new IllegalArgumentException("block " + j + " has " + (s == null ? "no" : s.length) + " symbols, its frame "
                            + f.rank(j));
                }
                for (double v : s) {
                    if (!Double.isFinite(v)) {
                        throw new IllegalArgumentException("block " + j + " has a NaN or infinite symbol");
                    }
                }
            }
        }
        double[] local = new double[partition.maxBlockSize()];
        for (int gi = 0; gi < decoded.groups().size(); gi++) {
            SymbolGroup g = decoded.groups().get(gi);
            StepFrames f = frames.get(gi);
            for (int i = 0; i < g.blocks().length; i++) {
                int j = g.blocks()[i];
                Block b = partition.block(j);
                double[] s = g.symbols()[i];
                java.util.Arrays.fill(local, 0, b.size(), 0.0);
                if (seen.get(j)) {
                    b.gather(gradient, local); // a block in several groups (frames of several steps): the lifts add
                }
                f.frame(j).liftAdd(s, 0, 1.0, local, 0);
                b.scatter(local, gradient);
                seen.set(j);
            }
        }
        return seen.cardinality() == partition.blockCount() ? null : maskOf(seen);
    }

    private StepFrames framesOf(long step) {
        StepFrames f = lastFrames;
        if (f == null || f.step() != step) {
            f = new StepFrames(family, partition, step);
            lastFrames = f;
        }
        return f;
    }

    /** ASYNC: the applied symbols of the current history step, summed over the updates of its period. */
    private double[][] periodSymbols;

    @Override
    public void advance(long round, long version, DecodedGradient applied) {
        if (history == null) {
            return;
        }
        // Every participant advances the frames with the same applied symbols.
        if (config.policy() == CodedTrainingConfig.Policy.SYNC) {
            SymbolGroup g = applied.group(round);
            history.completeStep(round, j -> g == null ? null : g.symbolsOf(j));
            lastFrames = null;
            return;
        }
        long step = history.currentStep();
        SymbolGroup g = applied.group(step);
        if (g != null) {
            if (periodSymbols == null) {
                periodSymbols = new double[partition.blockCount()][];
            }
            for (int i = 0; i < g.blocks().length; i++) {
                double[] s = g.symbols()[i];
                double[] acc = periodSymbols[g.blocks()[i]];
                if (acc == null) {
                    periodSymbols[g.blocks()[i]] = s.clone();
                } else {
                    for (int t = 0; t < s.length; t++) {
                        acc[t] += s[t];
                    }
                }
            }
        }
        if (version / config.framesEvery() > step) {
            double[][] sums = periodSymbols;
            history.completeStep(step, j -> sums == null ? null : sums[j]);
            periodSymbols = null;
            lastFrames = null;
        }
    }

    @Override
    public Codeword codeword(long round, long version, int task, long frameTag, double[] symbols) {
        boolean known = task >= 0 && task < code.taskCount();
        return new Codeword(frameStep(round, version), task, frameTag, known ? code.blocks(task) : new int[0],
                known ? code.coefficients(task) : new double[0], symbols == null ? new double[0] : symbols);
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
     * convolution W [nOut, nIn, kH, kW] ('c') as nOut x (nIn*kH*kW); other blocks have none.
     */
    private static LowRankHistory.MatrixShape[] matrixShapes(Network net, Partition partition) {
        ParamLayout layout = ParamLayout.of(net);
        LowRankHistory.MatrixShape[] shapes = new LowRankHistory.MatrixShape[partition.blockCount()];
        for (int j = 0; j < partition.blockCount(); j++) {
            Block b = partition.block(j);
            if (!b.isContiguous()) {
                continue;
            }
            ParamLayout.ParamRange e = layout.layerOf(b.offset()).params().stream()
                    .filter(p -> p.from() == b.offset()).findFirst().orElse(null);
            if (e == null || e.length() != b.size() || !e.key().equals("W")) {
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

    @Override
    public byte[] exportState() {
        return history == null ? null : history.exportState();
    }

    @Override
    public void importState(byte[] state) {
        if (history == null) {
            GradientCodec.super.importState(state);
        } else {
            history.importState(state);
            lastFrames = null;
        }
    }

    @Override
    public long denseMessageBytes() {
        return WorkerMessage.HEADER_BYTES + 4L * partition.size();
    }
}
