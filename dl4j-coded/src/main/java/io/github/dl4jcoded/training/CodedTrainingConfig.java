package io.github.dl4jcoded.training;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.github.dl4jcoded.code.Code;
import io.github.dl4jcoded.code.CodeFactory;
import io.github.dl4jcoded.code.CodeSpec;
import io.github.dl4jcoded.code.Codes;
import io.github.dl4jcoded.decode.Codeword;
import io.github.dl4jcoded.decode.CodewordEncoder;
import io.github.dl4jcoded.decode.Decoder;
import io.github.dl4jcoded.decode.DecoderFactory;
import io.github.dl4jcoded.decode.PeelingDecoder;
import io.github.dl4jcoded.decode.ProjectiveDecoder;
import io.github.dl4jcoded.decode.SymbolPrecision;
import io.github.dl4jcoded.engine.Backprop;
import io.github.dl4jcoded.engine.DirectionalDerivativeEngine;
import io.github.dl4jcoded.engine.ForwardModeEngine;
import io.github.dl4jcoded.feedback.ErrorFeedback;
import io.github.dl4jcoded.frame.FrameFactory;
import io.github.dl4jcoded.frame.FrameFamily;
import io.github.dl4jcoded.frame.FrameSource;
import io.github.dl4jcoded.frame.FrameSpec;
import io.github.dl4jcoded.frame.LowRankHistory;
import io.github.dl4jcoded.nn.NetworkPartitions;
import io.github.dl4jcoded.partition.Partition;
import io.github.dl4jcoded.nn.Network;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything that defines a coded (or vanilla) training run besides the network and the data,
 * in DL4J's style: a builder, validation up front, and a JSON round trip so that a run's
 * configuration can be stored beside its results and checkpoints.
 *
 * <p>Frames, code, decoder and engine are components: objects that make the run's frame source,
 * code, decoders and codewords. The built-in ones are the values of {@link FrameKind},
 * {@link CodeKind}, {@link DecoderKind} and {@link EngineKind}; a user may pass their own
 * implementation of {@link FrameFactory}, {@link CodeFactory}, {@link DecoderFactory} or
 * {@link WorkerEngine}. In JSON a built-in component is its name, a custom one its class name.
 *
 * @param mode            CODED, or a vanilla parameter-server baseline with dense gradients
 * @param workers         worker threads; each computes on its share of every minibatch
 * @param partition       how parameters are cut into blocks
 * @param chunkSize       block size for {@code partition = CHUNK}
 * @param frame           the per-block frame (IDENTITY is lossless)
 * @param compression     per-block compression ratio r = ceil(b / compression); 1 for IDENTITY
 * @param code            how tasks combine blocks
 * @param parityTasks     extra parity tasks for SYSTEMATIC
 * @param rowWeight       blocks per parity / LDGM task
 * @param engine          how a worker computes its codewords
 * @param decoder         how the server turns codewords into a gradient estimate
 * @param policy          SYNC (apply per round, after every live worker answered or the deadline) or ASYNC
 * @param deadlineMillis  SYNC: how long a round waits for stragglers
 * @param stalenessBound  ASYNC: messages computed more than this many updates ago are dropped
 * @param backupWorkers   SYNC: a round closes once all but this many of its workers answered (Chen et al.
 *                        2016's backup workers: the slowest answers are not waited for); 0 waits for all
 * @param cadence         ASYNC: the updater steps once this many answers (as the cadence rule counts
 *                        them) were decoded into the live accumulator since the last step; 0 means all
 *                        workers but one in eight (at least one), as many as a round with backup workers
 * @param cadenceRule     ASYNC: which answers count toward the cadence (all, or those computed on the
 *                        current parameters; late ones then ride along with the step they arrive in)
 * @param stalenessRule   ASYNC: how a step treats answers computed against older parameters
 * @param dcLambda        ASYNC with DC_ASGD: the delay-compensation strength lambda
 * @param freshJobs       ASYNC: a worker's next job waits for an update after its last one, so that it
 *                        computes on parameters that already hold its previous answer (false: it gets
 *                        its next job as soon as its answer is in)
 * @param framePeriod     ASYNC: workers that read versions v with the same v / framePeriod encode with
 *                        the same frames, so that their answers add up in the same coordinates; frames
 *                        from the decoded history advance once a period. 0 (the default) means
 *                        {@link #framesEvery()}: a frame step spans about {@value #ANSWERS_PER_FRAME}
 *                        answers of history, every version when a step holds that many (16 workers),
 *                        every 4 with 4 workers (docs/RESULTS.md says what each measured)
 * @param errorFeedback   workers carry what compression dropped into their next step
 * @param feedbackDecay   error feedback: the residual is multiplied by this each step (in [0, 1])
 * @param feedbackClip    error feedback: the residual is clipped to this times the gradient norm (> 0, may be infinite)
 * @param symbolPrecision what coded symbols travel in, both ways: BFLOAT16 (half the bytes; the default for
 *                        lossy frames) or FLOAT32 (the default for lossless IDENTITY frames, which it keeps lossless)
 * @param seed            seeds frames, codes and worker order: the same seed gives the same frames everywhere
 */
public record CodedTrainingConfig(
        Mode mode, int workers,
        NetworkPartitions.Scheme partition, int chunkSize,
        @JsonSerialize(using = ComponentJson.Writer.class) @JsonDeserialize(using = ComponentJson.Frames.class)
        FrameFactory frame, double compression,
        @JsonSerialize(using = ComponentJson.Writer.class) @JsonDeserialize(using = ComponentJson.Codes.class)
        CodeFactory code, int parityTasks, int rowWeight,
        @JsonSerialize(using = ComponentJson.Writer.class) @JsonDeserialize(using = ComponentJson.Engines.class)
        WorkerEngine engine,
        @JsonSerialize(using = ComponentJson.Writer.class) @JsonDeserialize(using = ComponentJson.Decoders.class)
        DecoderFactory decoder,
        Policy policy, long deadlineMillis, int stalenessBound, int backupWorkers,
        int cadence, CadenceRule cadenceRule, StalenessRule stalenessRule, double dcLambda, boolean freshJobs, int framePeriod,
        boolean errorFeedback, double feedbackDecay, double feedbackClip, SymbolPrecision symbolPrecision, long seed) {

    public enum Mode { CODED, VANILLA }

    public enum FrameKind implements FrameFactory {
        /** lossless: every coordinate is a symbol */
        IDENTITY,
        /** seeded sparse-sign / count-sketch frames: O(b) both ways */
        COUNT_SKETCH,
        /** seeded subsampled randomized Hadamard frames */
        HADAMARD,
        /** seeded Gaussian-orthonormal frames (small blocks only) */
        GAUSSIAN,
        /** adaptive low-rank frames from the decoded history (PowerSGD-like); SYNC and PARAM partition only */
        LOW_RANK {
            @Override
            public FrameSource create(FrameSpec spec) {
                return new LowRankHistory(spec.seed(), spec.compression(), spec.matrixShapes(), 0, spec.keptSteps());
            }
        };

        @Override
        public FrameSource create(FrameSpec spec) {
            return new FrameFamily(FrameFamily.Kind.valueOf(name()), spec.seed(), spec.compression());
        }

        @Override
        public boolean lossless() {
            return this == IDENTITY;
        }
    }

    public enum CodeKind implements CodeFactory {
        /** every worker computes every block once (one task per block per worker); copies are averaged */
        REPETITION {
            @Override
            public Code create(CodeSpec s) {
                return Codes.repetition(s.blocks(), s.workers());
            }

            /** Slot w computes copy w of every block. */
            @Override
            public int slotOf(Code code, int task, int workers) {
                return task / code.blockCount();
            }
        },
        /** one task per block, spread over the workers, plus parity tasks (signed sums of rowWeight blocks) */
        SYSTEMATIC {
            @Override
            public Code create(CodeSpec s) {
                return Codes.systematic(s.blocks(), s.parityTasks(), s.rowWeight(), s.seed());
            }
        },
        /**
         * blocks + parityTasks tasks, every one a signed sum of rowWeight blocks (a regular
         * low-density generator matrix), spread over the workers: no task sends a block alone, so
         * the projective decoder solves what arrives by least squares
         */
        LDGM {
            @Override
            public Code create(CodeSpec s) {
                return Codes.regularLdgm(s.blocks() + s.parityTasks(), s.blocks(), Math.min(s.rowWeight(), s.blocks()), s.seed());
            }
        }
    }

    public enum EngineKind implements WorkerEngine {
        /** one backprop, then the frames: cheapest when a worker sends many directions */
        REVERSE {
            @Override
            public Encoded encode(Network replica, DataSet shard, long step, int[] tasks, CodewordEncoder encoder,
                                  ErrorFeedback[] feedback) {
                Backprop.Result b = Backprop.meanGradient(replica, shard);
                double[] g = b.gradientAsDoubles();
                java.util.List<Codeword> cws = new java.util.ArrayList<>(tasks.length);
                for (int i = 0; i < tasks.length; i++) {
                    cws.add(feedback != null && feedback[i] != null ? feedback[i].step(step, g) : encoder.encode(step, tasks[i], g));
                }
                return new Encoded(b.loss(), cws, b.runningStatistics());
            }
        },
        /** forward-mode JVPs, one tangent per symbol: only for few directions per worker */
        FORWARD {
            /**
             * Every symbol is computed directly as the directional derivative along its codeword
             * direction, never forming the gradient (no backward pass, no stored activations).
             */
            @Override
            public Encoded encode(Network replica, DataSet shard, long step, int[] tasks, CodewordEncoder encoder,
                                  ErrorFeedback[] feedback) {
                DirectionalDerivativeEngine engine = new ForwardModeEngine();
                int n = encoder.partition().size();
                java.util.List<Codeword> cws = new java.util.ArrayList<>(tasks.length);
                double loss = Double.NaN;
                double[] running = null; // the same for every pass: one minibatch
                double[] row = new double[n];
                for (int task : tasks) {
                    int m = encoder.symbolCount(step, task);
                    double[] symbols = new double[m];
                    for (int from = 0; from < m; from += MAX_TANGENTS_PER_PASS) {
                        int count = Math.min(MAX_TANGENTS_PER_PASS, m - from);
                        INDArray dirs = Nd4j.create(replica.params().dataType(), count, n);
                        for (int t = 0; t < count; t++) {
                            encoder.direction(step, task, from + t, row);
                            dirs.putRow(t, Nd4j.createFromArray(row).castTo(dirs.dataType()));
                        }
                        DirectionalDerivativeEngine.Result r = engine.compute(replica, shard.getFeatures(), shard.getLabels(), dirs);
                        System.arraycopy(r.derivatives(), 0, symbols, from, count);
                        loss = r.loss();
                        running = r.runningStatistics();
                    }
                    cws.add(Codeword.of(encoder.code(), encoder.family(), step, task, symbols));
                }
                return new Encoded(loss, cws, running);
            }

            @Override
            public boolean formsGradient() {
                return false;
            }
        };

        /** Most tangents pushed through the network in one forward-mode pass (bounds memory: m x n directions). */
        static final int MAX_TANGENTS_PER_PASS = 32;
    }

    public enum DecoderKind implements DecoderFactory {
        PEELING {
            @Override
            public Decoder create(Partition partition, Code code, FrameSource frames, long step) {
                return new PeelingDecoder(partition, code, frames, step);
            }
        },
        PROJECTIVE {
            @Override
            public Decoder create(Partition partition, Code code, FrameSource frames, long step) {
                return new ProjectiveDecoder(partition, code, frames, step);
            }
        }
    }

    public enum Policy { SYNC, ASYNC }

    /** Which answers an asynchronous step counts toward its cadence. */
    public enum CadenceRule {
        /** every answer decoded since the last step */
        ALL,
        /**
         * answers computed on the current parameters; late ones (within the staleness bound) are added
         * to the step they arrive in without counting, so that staleness cannot creep into every answer
         */
        FRESH
    }

    /** How an asynchronous step treats answers computed against older parameters (s updates ago). */
    public enum StalenessRule {
        /** every answer counts fully */
        NONE,
        /** the step is scaled by the mean of 1 / (1 + s) over its answers */
        INVERSE,
        /**
         * delay compensation (DC-ASGD, Zheng et al. 2017): g + lambda g * g * (theta_now - theta_read),
         * element-wise on the decoded blocks, theta_read the parameters of the answers' mean read version
         */
        DC_ASGD
    }

    /**
     * Answers per asynchronous step: {@link #cadence()}, or when it is 0 all workers but one in eight
     * (the slowest answers are not waited for; at least one answer).
     */
    public int messagesPerStep() {
        return cadence > 0 ? cadence : Math.max(1, workers - Math.max(1, workers / 8));
    }

    /** Answers of decoded history a frame step spans when {@code framePeriod} is 0 (auto). */
    public static final int ANSWERS_PER_FRAME = 12;
    /** The longest automatic frame period, in versions. */
    public static final int MAX_AUTO_FRAME_PERIOD = 4;

    /**
     * ASYNC: the versions read that share frames: {@code framePeriod}, or when it is 0,
     * ceil({@value #ANSWERS_PER_FRAME} / {@link #messagesPerStep()}), at most
     * {@value #MAX_AUTO_FRAME_PERIOD}. Frames made from the decoded history are as good as the
     * history is long: a step of 3 answers (4 workers) is a noisy basis, and refreshing the frames
     * at every such step ended local runs 0.7 to 1.6 pp below plain fit, while a step of 14
     * answers (16 workers) refreshed at every version reached the simulated target in a third
     * fewer updates than with period 4.
     */
    public int framesEvery() {
        return framePeriod > 0 ? framePeriod
                : Math.min(MAX_AUTO_FRAME_PERIOD, (ANSWERS_PER_FRAME + messagesPerStep() - 1) / messagesPerStep());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The recommended coded configuration (what {@code --mode coded} uses with no other option). */
    public static CodedTrainingConfig defaults() {
        return builder().build();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.mode = mode;
        b.workers = workers;
        b.partition = partition;
        b.chunkSize = chunkSize;
        b.frame = frame;
        b.compression = compression;
        b.code = code;
        b.parityTasks = parityTasks;
        b.rowWeight = rowWeight;
        b.engine = engine;
        b.decoder = decoder;
        b.policy = policy;
        b.deadlineMillis = deadlineMillis;
        b.stalenessBound = stalenessBound;
        b.backupWorkers = backupWorkers;
        b.cadence = cadence;
        b.cadenceRule = cadenceRule;
        b.stalenessRule = stalenessRule;
        b.dcLambda = dcLambda;
        b.framePeriod = framePeriod;
        b.freshJobs = freshJobs;
        b.errorFeedback = errorFeedback;
        b.feedbackDecay = feedbackDecay;
        b.feedbackClip = feedbackClip;
        b.symbolPrecision = symbolPrecision;
        b.seed = seed;
        return b;
    }

    /** Every problem with this configuration, each with what to change; empty when it is valid. */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        if (mode == null) missing.add("mode");
        if (partition == null) missing.add("partition");
        if (frame == null) missing.add("frame");
        if (code == null) missing.add("code");
        if (engine == null) missing.add("engine");
        if (decoder == null) missing.add("decoder");
        if (policy == null) missing.add("policy");
        if (symbolPrecision == null) missing.add("symbolPrecision");
        if (!missing.isEmpty()) {
            p.add("missing: " + String.join(", ", missing) + " (every one of mode, partition, frame, code, engine, decoder, policy must be set)");
            return p;
        }
        if (workers < 1) {
            p.add("workers must be at least 1, got " + workers);
        }
        if (partition == NetworkPartitions.Scheme.CHUNK && chunkSize < 1) {
            p.add("partition CHUNK needs chunkSize >= 1, got " + chunkSize);
        }
        if (!(compression >= 1) || Double.isInfinite(compression)) {
            p.add("compression must be a finite ratio >= 1, got " + compression);
        }
        if (frame.lossless() && compression != 1) {
            p.add("IDENTITY frames are lossless (compression 1); for compression " + compression
                    + " choose COUNT_SKETCH, HADAMARD or GAUSSIAN frames");
        }
        if (code == CodeKind.SYSTEMATIC && (parityTasks < 0 || (parityTasks > 0 && rowWeight < 2))) {
            p.add("SYSTEMATIC needs parityTasks >= 0 and rowWeight >= 2 for its parity tasks");
        }
        if (code == CodeKind.LDGM && (parityTasks < 0 || rowWeight < 2)) {
            p.add("LDGM needs parityTasks >= 0 and rowWeight >= 2");
        }
        if (policy == Policy.SYNC && deadlineMillis < 1) {
            p.add("SYNC needs a deadline of at least 1 ms, got " + deadlineMillis);
        }
        if (policy == Policy.ASYNC && stalenessBound < 0) {
            p.add("ASYNC needs stalenessBound >= 0, got " + stalenessBound);
        }
        if (backupWorkers < 0 || backupWorkers >= Math.max(1, workers)) {
            p.add("backupWorkers must be in [0, workers), got " + backupWorkers + " for " + workers + " workers");
        }
        if (cadence < 0 || framePeriod < 0) {
            p.add("cadence and framePeriod must be >= 0 (0: automatic), got " + cadence + " and " + framePeriod);
        }
        if (cadenceRule == null) {
            p.add("cadenceRule must be set (ALL or FRESH)");
        }
        if (stalenessRule == null) {
            p.add("stalenessRule must be set (NONE, INVERSE or DC_ASGD)");
        }
        if (!(dcLambda >= 0) || Double.isInfinite(dcLambda)) {
            p.add("dcLambda must be finite and >= 0, got " + dcLambda);
        }
        if (mode == Mode.VANILLA && (!frame.lossless() || errorFeedback)) {
            p.add("VANILLA sends dense gradients: use frame IDENTITY and no error feedback");
        }
        if (!engine.formsGradient() && frame.lossless() && mode == Mode.CODED) {
            p.add(engine + " with " + frame + " frames needs one tangent per parameter; use engine REVERSE, or lossy frames");
        }
        if (frame == FrameKind.LOW_RANK && partition != NetworkPartitions.Scheme.PARAM) {
            p.add("LOW_RANK frames are built per parameter matrix: they need partition PARAM");
        }
        if (!(feedbackDecay >= 0 && feedbackDecay <= 1) || !(feedbackClip > 0)) {
            p.add("feedbackDecay must be in [0, 1] and feedbackClip > 0, got " + feedbackDecay + " and " + feedbackClip);
        }
        if (errorFeedback && !engine.formsGradient()) {
            p.add("error feedback needs the worker's whole gradient, which engine " + engine + " never forms: use engine REVERSE");
        }
        if (errorFeedback && frame.lossless()) {
            p.add("error feedback has nothing to carry with lossless IDENTITY frames: turn it off");
        }
        return p;
    }

    /** A component's name for people: a built-in's in lower case ("low_rank"), a user's class's simple name. */
    public static String label(Object component) {
        return component instanceof Enum<?> e ? e.name().toLowerCase(java.util.Locale.ROOT) : component.getClass().getSimpleName();
    }

    /** @throws IllegalArgumentException listing every problem, when there is one */
    public CodedTrainingConfig validate() {
        List<String> p = problems();
        if (!p.isEmpty()) {
            throw new IllegalArgumentException("invalid coded training configuration:\n - " + String.join("\n - ", p));
        }
        return this;
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a config record always serializes", e);
        }
    }

    /** Parses and validates. */
    public static CodedTrainingConfig fromJson(String json) {
        try {
            return JSON.readValue(json, CodedTrainingConfig.class).validate();
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a coded training configuration: " + e.getOriginalMessage(), e);
        }
    }

    /** Defaults are the recommended coded configuration; each setter names the option it sets. */
    public static final class Builder {
        private Mode mode = Mode.CODED;
        private int workers = 4;
        private NetworkPartitions.Scheme partition = NetworkPartitions.Scheme.PARAM;
        private int chunkSize = 4096;
        private FrameFactory frame = FrameKind.LOW_RANK;
        private double compression = 32;
        private CodeFactory code = CodeKind.REPETITION;
        private int parityTasks = 0;
        private int rowWeight = 2;
        private WorkerEngine engine = EngineKind.REVERSE;
        private DecoderFactory decoder = DecoderKind.PROJECTIVE;
        private Policy policy = Policy.SYNC;
        private long deadlineMillis = 60_000;
        private int stalenessBound = 8;
        private int backupWorkers = 0;
        private int cadence = 0;
        private CadenceRule cadenceRule = CadenceRule.FRESH;
        private StalenessRule stalenessRule = StalenessRule.INVERSE;
        private double dcLambda = 0.04;
        private int framePeriod = 0;
        private boolean freshJobs = true;
        private boolean errorFeedback = true;
        // null: chosen per frame at build() (see there)
        private Double feedbackDecay;
        private Double feedbackClip;
        private SymbolPrecision symbolPrecision;
        private long seed = 42;

        public Builder mode(Mode v) { mode = v; return this; }
        public Builder workers(int v) { workers = v; return this; }
        public Builder partition(NetworkPartitions.Scheme v) { partition = v; return this; }
        public Builder chunkSize(int v) { chunkSize = v; return this; }
        public Builder frame(FrameFactory v) { frame = v; return this; }
        public Builder compression(double v) { compression = v; return this; }
        public Builder code(CodeFactory v) { code = v; return this; }
        public Builder parityTasks(int v) { parityTasks = v; return this; }
        public Builder rowWeight(int v) { rowWeight = v; return this; }
        public Builder engine(WorkerEngine v) { engine = v; return this; }
        public Builder decoder(DecoderFactory v) { decoder = v; return this; }
        public Builder policy(Policy v) { policy = v; return this; }
        public Builder deadlineMillis(long v) { deadlineMillis = v; return this; }
        public Builder stalenessBound(int v) { stalenessBound = v; return this; }
        public Builder backupWorkers(int v) { backupWorkers = v; return this; }
        public Builder cadence(int v) { cadence = v; return this; }
        public Builder cadenceRule(CadenceRule v) { cadenceRule = v; return this; }
        public Builder stalenessRule(StalenessRule v) { stalenessRule = v; return this; }
        public Builder dcLambda(double v) { dcLambda = v; return this; }
        public Builder framePeriod(int v) { framePeriod = v; return this; }
        public Builder freshJobs(boolean v) { freshJobs = v; return this; }
        public Builder errorFeedback(boolean v) { errorFeedback = v; return this; }
        /** Default: 1 for LOW_RANK frames, 0.9 for seeded random frames. */
        public Builder feedbackDecay(double v) { feedbackDecay = v; return this; }
        /** {@code Double.POSITIVE_INFINITY} for no clipping. Default: none for LOW_RANK, 2 for random frames. */
        public Builder feedbackClip(double v) { feedbackClip = v; return this; }
        /** Default: BFLOAT16 for lossy frames, FLOAT32 for lossless ones. */
        public Builder symbolPrecision(SymbolPrecision v) { symbolPrecision = v; return this; }
        public Builder seed(long v) { seed = v; return this; }

        /** Lossless coding: identity frames, no error feedback. */
        public Builder lossless() {
            return frame(FrameKind.IDENTITY).compression(1).errorFeedback(false);
        }

        /** The dense-gradient parameter-server baseline. */
        public Builder vanilla() {
            return mode(Mode.VANILLA).lossless();
        }

        public CodedTrainingConfig build() {
            // Low-rank frames keep most of the gradient, and textbook error feedback (no decay,
            // no clip) is what makes PowerSGD match dense training: measured on LeNet, 0.9760
            // against 0.9690 with decay 0.9 / clip 2 (docs/RESULTS-local.md). Random frames drop
            // ~97% of each step's energy at 32x, where an undamped residual under Adam grew to 15x
            // the gradient in a numpy study: they keep the damped, clipped residual.
            boolean lowRank = frame == FrameKind.LOW_RANK;
            double feedbackDecay = this.feedbackDecay != null ? this.feedbackDecay : lowRank ? 1.0 : 0.9;
            double feedbackClip = this.feedbackClip != null ? this.feedbackClip : lowRank ? Double.POSITIVE_INFINITY : 2.0;
            // Symbols in bfloat16 halve the bytes both ways at a relative error of 2^-9, which error
            // feedback keeps; lossless frames stay lossless in float32.
            SymbolPrecision symbolPrecision = this.symbolPrecision != null ? this.symbolPrecision
                    : frame != null && frame.lossless() ? SymbolPrecision.FLOAT32 : SymbolPrecision.BFLOAT16;
            return new CodedTrainingConfig(mode, workers, partition, chunkSize, frame, compression, code,
                    parityTasks, rowWeight, engine, decoder, policy, deadlineMillis, stalenessBound, backupWorkers,
                    cadence, cadenceRule, stalenessRule, dcLambda, freshJobs, framePeriod,
                    errorFeedback, feedbackDecay, feedbackClip, symbolPrecision, seed).validate();
        }
    }
}
