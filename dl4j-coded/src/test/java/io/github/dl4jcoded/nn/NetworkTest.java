package io.github.dl4jcoded.nn;

import io.github.dl4jcoded.training.local.GraphTrainingTest;
import io.github.dl4jcoded.training.local.LocalTrainerTest;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.listeners.ScoreIterationListener;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.io.ByteArrayOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one view of both kinds of DL4J network: copies, JSON and files keep what training needs. */
class NetworkTest {

    private static ComputationGraph trainedGraph() {
        ComputationGraph g = GraphTrainingTest.residualGraph(new Adam(1e-2), DataType.FLOAT, 3);
        for (DataSet ds : LocalTrainerTest.data(3, 8, DataType.FLOAT, 1)) {
            g.fit(ds);
        }
        g.getConfiguration().setEpochCount(2);
        return g;
    }

    @Test
    void aGraphsCopyKeepsCountsAndUpdaterStateAndLeavesTheUsersListenersAlone() {
        ComputationGraph g = trainedGraph();
        g.setListeners(new ScoreIterationListener(1));
        Network copy = Network.of(g).duplicate();
        assertEquals(3, copy.getIterationCount(), "DL4J's own clone() would say 0");
        assertEquals(2, copy.getEpochCount());
        assertEquals(g.params(), copy.params());
        assertEquals(g.getUpdater().getStateViewArray(), copy.updaterState());
        assertTrue(copy.getListeners().isEmpty());
        assertEquals(1, g.getListeners().size(), "the user's listeners are untouched");
        copy.params().addi(1);
        assertFalse(g.params().equals(copy.params()), "the copy has its own memory");
        Network replica = io.github.dl4jcoded.training.ParameterServerSetup.replica(Network.of(g));
        assertEquals(3, replica.getIterationCount());
    }

    @Test
    void jsonAndFilesRebuildTheRightKind() throws Exception {
        ComputationGraph g = trainedGraph();
        Network fromJson = Network.fromJson(Network.of(g).configurationJson());
        assertTrue(fromJson.isGraph());
        MultiLayerNetwork m = new MultiLayerNetwork(LocalTrainerTest.cnn(new Adam(1e-2), DataType.FLOAT));
        m.init();
        assertFalse(Network.fromJson(Network.of(m).configurationJson()).isGraph());
        for (org.deeplearning4j.nn.api.Model model : new org.deeplearning4j.nn.api.Model[]{g, m}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Network.of(model).save(out, true);
            Network back = Network.restore(out.toByteArray());
            assertEquals(model instanceof ComputationGraph, back.isGraph());
            assertEquals(model.params(), back.params());
        }
        assertThrows(java.io.IOException.class, () -> Network.restore(new byte[]{1, 2, 3}));
        assertThrows(IllegalArgumentException.class, () -> Network.of((org.deeplearning4j.nn.api.Model) null));
    }
}
