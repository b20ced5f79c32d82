package io.github.dl4jcoded.examples;

import io.github.dl4jcoded.nn.Network;
import org.deeplearning4j.optimize.solvers.accumulation.EncodedGradientsAccumulator;
import org.deeplearning4j.optimize.solvers.accumulation.EncodingHandler;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.residual.ResidualClippingPostProcessor;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.AdaptiveThresholdAlgorithm;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.concurrent.atomic.AtomicLong;

/**
 * DL4J's own in-box option for the local case: {@link ParallelWrapper} in SHARED_GRADIENTS mode
 * (threshold-encoded gradient sharing), with its default threshold algorithm and residual
 * clipping, instrumented to count the bytes of every encoded message it shares.
 */
final class ThresholdSharing {
    final AtomicLong messages = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();
    private final int workers;

    ThresholdSharing(int workers) {
        this.workers = workers;
    }

    /** Counts what each worker broadcasts; the encoding itself is DL4J's, unchanged. */
    private final class CountingHandler extends EncodingHandler {
        CountingHandler() {
            // ParallelWrapper's defaults for SHARED_GRADIENTS.
            super(new AdaptiveThresholdAlgorithm(), new ResidualClippingPostProcessor(5.0, 5), null, false);
        }

        @Override
        protected void sendMessage(INDArray message, int iteration, int epoch) {
            messages.incrementAndGet();
            bytes.addAndGet(message.length() * message.data().getElementSize());
            super.sendMessage(message, iteration, epoch);
        }
    }

    /** One epoch. A fresh wrapper per epoch: a second fit of one SHARED_GRADIENTS wrapper deadlocks in M2.1. */
    void fitEpoch(Network net, DataSetIterator data) {
        EncodedGradientsAccumulator acc = new EncodedGradientsAccumulator.Builder(workers)
                .messageHandler(new CountingHandler()).build();
        ParallelWrapper wrapper = new ParallelWrapper.Builder<>(net.model())
                .workers(workers)
                .prefetchBuffer(2)
                .trainingMode(ParallelWrapper.TrainingMode.SHARED_GRADIENTS)
                .gradientsAccumulator(acc)
                .build();
        try {
            wrapper.fit(data);
        } finally {
            wrapper.shutdown();
        }
    }

    /** Bytes a dense float32 gradient message of {@code net} would take. */
    static long denseMessageBytes(Network net) {
        return 4L * net.numParams();
    }
}
