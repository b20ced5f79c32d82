package io.github.dl4jcoded.bench.engine;

import io.github.dl4jcoded.nn.Network;
import io.github.dl4jcoded.decode.Codeword;
import io.github.dl4jcoded.decode.Decoder;
import io.github.dl4jcoded.decode.ProjectiveDecoder;
import io.github.dl4jcoded.frame.FrameHistory;
import io.github.dl4jcoded.frame.FrameSource;
import io.github.dl4jcoded.partition.Block;
import io.github.dl4jcoded.partition.Partition;
import io.github.dl4jcoded.training.CodedCodec;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import io.github.dl4jcoded.training.ParameterServerSetup;
import io.github.dl4jcoded.training.WorkerMessage;
import io.github.dl4jcoded.training.server.ParameterServer;
import io.github.dl4jcoded.updater.GradientApplier;
import io.github.dl4jcoded.updater.GradientMask;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One parameter-server step on LeNet (431,080 parameters) with no workers in the loop: the
 * messages of {@code workers} workers for one round are made outside the timing (real backprop
 * gradients, encoded with the round's frames), then the step decodes them and applies the result
 * through the masked Adam updater.
 *
 * <p>{@code coreStep} is the server of this code base: {@link ParameterServer} (validation, the
 * decoded symbols rounded to float32 as they travel, the lift written into the gradient view in
 * one copy). {@code legacyStep} is the step every server made before it, kept here as the
 * baseline: the decoder's estimate into a fresh double array, {@code createFromArray},
 * {@code castTo(float)}, then the applier's {@code assign} into the gradient view. Both advance
 * history-made frames as their server did, on networks of their own.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ServerStepBench {
    @Param({"LOW_RANK", "COUNT_SKETCH"})
    public String frame;

    @Param({"4", "16"})
    public int workers;

    private CodedTrainingConfig config;
    private double[][] gradients;   // per worker: a fixed mean gradient (encoded afresh for each round's frames)
    private int examples;
    private long coreRound;
    private long legacyRound;

    private ParameterServer core;
    private List<WorkerMessage> coreMessages;

    private Network legacyNet;
    private GradientApplier legacyApplier;
    private CodedCodec legacyCodec;
    private List<WorkerMessage> legacyMessages;

    @Setup(Level.Trial)
    public void setup() {
        config = CodedTrainingConfig.builder().workers(workers).frame(CodedTrainingConfig.FrameKind.valueOf(frame))
                .compression(32).errorFeedback(false).seed(7).build();
        Network user = Network.of(LeNet.build(new Adam(1e-3)));
        core = ParameterServer.forNetwork(user, config);
        legacyNet = ParameterServerSetup.serverCopy(user);
        legacyApplier = new GradientApplier(legacyNet, true);
        legacyCodec = new CodedCodec(legacyNet, config);
        INDArray x = LeNet.features();
        INDArray y = LeNet.labels();
        examples = LeNet.BATCH / workers;
        gradients = new double[workers][];
        Network replica = ParameterServerSetup.replica(user);
        for (int w = 0; w < workers; w++) {
            int[] rows = new int[examples];
            for (int i = 0; i < examples; i++) {
                rows[i] = w * examples + i;
            }
            DataSet shard = (DataSet) new DataSet(x, y).get(rows);
            gradients[w] = io.github.dl4jcoded.engine.Backprop.meanGradient(replica, shard).gradientAsDoubles();
        }
    }

    /** This round's messages for both servers, each encoded with its own server's frames. */
    @Setup(Level.Invocation)
    public void messages() {
        coreMessages = encode((CodedCodec) core.codec(), coreRound, core.version());
        legacyMessages = encode(legacyCodec, legacyRound, 0);
    }

    private List<WorkerMessage> encode(CodedCodec codec, long step, long version) {
        List<WorkerMessage> out = new ArrayList<>(workers);
        for (int w = 0; w < workers; w++) {
            List<Codeword> cws = new ArrayList<>();
            for (int t : codec.tasksOf(w)) {
                cws.add(codec.encoder().encode(step, t, gradients[w]));
            }
            out.add(new WorkerMessage(step, version, w, examples, 0.5, cws, null, codec.precision()).asSent());
        }
        return out;
    }

    @Benchmark
    public long coreStep() {
        int[] ws = new int[workers];
        int[] ex = new int[workers];
        for (int w = 0; w < workers; w++) {
            ws[w] = w;
            ex[w] = examples;
        }
        core.openRound(coreRound, ws, ex, Double.POSITIVE_INFINITY);
        for (WorkerMessage m : coreMessages) {
            if (!core.offer(m.worker(), m).accepted()) {
                throw new IllegalStateException("refused");
            }
        }
        core.apply(core.close());
        coreRound++;
        return core.version();
    }

    @Benchmark
    public long legacyStep() {
        // The step as LocalTrainer, SimulatedCluster and ClusterServer made it before the core.
        Partition p = legacyCodec.partition();
        FrameSource family = legacyCodec.encoder().family();
        long step = legacyRound;
        Decoder decoder = new ProjectiveDecoder(p, legacyCodec.code(), family, step);
        for (WorkerMessage m : legacyMessages) {
            decoder.offerAll(m.codewords());
        }
        double[] g = new double[p.size()];
        BitSet known = decoder.writeEstimate(g);
        GradientMask mask = known.cardinality() == p.blockCount() ? null : maskOf(p, known);
        INDArray arr = Nd4j.createFromArray(g).castTo(legacyNet.params().dataType());
        legacyApplier.apply(arr, 1, mask, 0.5, 1.0);
        if (family instanceof FrameHistory h) {
            h.completeStep(step, j -> decoder.symbols(j));
        }
        legacyRound++;
        return legacyRound;
    }

    private static GradientMask maskOf(Partition p, BitSet blocks) {
        List<Long> ranges = new ArrayList<>();
        for (int j = blocks.nextSetBit(0); j >= 0; j = blocks.nextSetBit(j + 1)) {
            Block b = p.block(j);
            for (int r = 0; r < b.rangeCount(); r++) {
                ranges.add((long) b.rangeStart(r));
                ranges.add((long) b.rangeStart(r) + b.rangeLength(r));
            }
        }
        return GradientMask.ofRanges(ranges.stream().mapToLong(Long::longValue).toArray());
    }
}
