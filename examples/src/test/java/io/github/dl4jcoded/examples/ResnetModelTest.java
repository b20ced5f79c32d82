package io.github.dl4jcoded.examples;

import io.github.dl4jcoded.api.CodedTraining;
import io.github.dl4jcoded.datasets.mnist.Mnist;
import io.github.dl4jcoded.datasets.mnist.MnistDataSetIterator;
import io.github.dl4jcoded.datasets.mnist.MnistSplit;
import io.github.dl4jcoded.nn.Network;
import io.github.dl4jcoded.nn.ParamLayout;
import io.github.dl4jcoded.nn.RunningStatistics;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15's exactness criterion on the built-in residual CNN itself ({@code --model resnet}):
 * lossless coding with one worker equals plain {@code fit} of the same graph after 20 steps on real
 * digits, running statistics included.
 */
class ResnetModelTest {

    private static double relDiff(double[] a, double[] b) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - b[i]) * (a[i] - b[i]);
            den += a[i] * a[i];
        }
        return Math.sqrt(num / den);
    }

    @Test
    void losslessCodingWithOneWorkerEqualsPlainFitOfTheResnetAfter20Steps() {
        MnistSplit split = MnistSplit.of(Mnist.load(), 160, 10, MnistSplit.DEFAULT_SEED);
        MnistDataSetIterator it = new MnistDataSetIterator(split.train(), 8, true, 42, DataType.DOUBLE);
        List<DataSet> batches = new ArrayList<>();
        while (it.hasNext()) {
            batches.add(it.next());
        }
        assertEquals(20, batches.size());
        Network plain = Models.build(Models.Kind.RESNET, 42, new Adam(1e-3), DataType.DOUBLE);
        Network coded = Models.build(Models.Kind.RESNET, 42, new Adam(1e-3), DataType.DOUBLE);
        assertTrue(plain.isGraph());
        ParamLayout layout = ParamLayout.of(plain);
        double[] running0 = RunningStatistics.read(layout, plain.params());
        for (DataSet ds : batches) {
            plain.fit(ds);
        }
        try (CodedTraining t = CodedTraining.wrap(coded, CodedTrainingConfig.builder().workers(1).lossless().build())) {
            t.fit(new ListDataSetIterator<>(batches, 1), 1);
            assertEquals(20, t.stats().updates());
        }
        INDArray diff = plain.params().sub(coded.params());
        double rel = diff.norm2Number().doubleValue() / plain.params().norm2Number().doubleValue();
        assertTrue(rel < 1e-5, "relative difference to plain fit: " + rel);
        double[] runningPlain = RunningStatistics.read(layout, plain.params());
        double[] runningCoded = RunningStatistics.read(layout, coded.params());
        assertTrue(relDiff(runningPlain, running0) > 1e-2, "plain fit moved its running statistics");
        double runningRel = relDiff(runningPlain, runningCoded);
        assertTrue(runningRel < 1e-5, "running statistics differ from plain fit's by " + runningRel);
        INDArray x = batches.get(0).getFeatures();
        INDArray a = plain.output(x);
        INDArray b = coded.output(x);
        assertTrue(a.sub(b).norm2Number().doubleValue() < 1e-5 * a.norm2Number().doubleValue(),
                "inference (running statistics) gives the same outputs");
    }
}
