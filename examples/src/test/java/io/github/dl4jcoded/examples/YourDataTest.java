package io.github.dl4jcoded.examples;

import io.github.dl4jcoded.cluster.ClusterServer;
import io.github.dl4jcoded.cluster.grpc.GrpcClusterServer;
import io.github.dl4jcoded.cluster.grpc.GrpcClusterWorker;
import io.github.dl4jcoded.cluster.grpc.SharedToken;
import io.github.dl4jcoded.cluster.grpc.TransportSecurity;
import io.github.dl4jcoded.data.ExampleIterator;
import io.github.dl4jcoded.data.InMemoryExampleSource;
import io.github.dl4jcoded.datasets.files.ImageFolder;
import io.github.dl4jcoded.datasets.files.Normalization;
import io.github.dl4jcoded.datasets.mnist.Mnist;
import io.github.dl4jcoded.datasets.mnist.MnistSplit;
import io.github.dl4jcoded.training.CodedTrainingConfig;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Your network and your data (issue 18), end to end on real data: the MNIST digits written as a
 * folder of PNG images per class, a CNN of the user's own saved with ModelSerializer, trained
 * in cluster mode through the public Java API (server and two workers over TLS on loopback)
 * against the same network trained by plain {@code fit} on the same images.
 */
class YourDataTest {
    private static final int EPOCHS = 3;
    private static final int BATCH = 32;
    private static final long SEED = 7;
    private static final SharedToken TOKEN = SharedToken.of("your-data-test-token-0123456789");

    @TempDir
    static Path dir;
    static File savedCnn;
    static InMemoryExampleSource train;
    static InMemoryExampleSource test;

    @BeforeAll
    static void writeTheDigitsAsImagesAndSaveAUsersCnn() throws Exception {
        MnistSplit split = MnistSplit.of(Mnist.load(), 1500, 1500, MnistSplit.DEFAULT_SEED);
        ExportCommand.writeImages(split.train(), dir.resolve("train"));
        ExportCommand.writeImages(split.test(), dir.resolve("test"));
        // What a user does with DataVec's readers through this library's datasets module:
        ImageFolder.Labelled trainImages = ImageFolder.read(dir.resolve("train"), 28, 28, 1);
        ImageFolder.Labelled testImages = ImageFolder.read(dir.resolve("test"), 28, 28, 1);
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), trainImages.classes());
        DataSet trainSet = trainImages.data();
        DataSet testSet = testImages.data();
        Normalization.SCALE.apply(trainSet, testSet);
        train = InMemoryExampleSource.of(trainSet, "digits-png/train");
        test = InMemoryExampleSource.of(testSet, "digits-png/test");

        MultiLayerNetwork cnn = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(3).updater(new Adam(2e-3)).weightInit(WeightInit.XAVIER).list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(8).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(64).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(28, 28, 1)) // takes [n, 1, 28, 28], as the image reader gives
                .build());
        cnn.init();
        savedCnn = dir.resolve("cnn.zip").toFile();
        ModelSerializer.writeModel(cnn, savedCnn, true);
    }

    private static double accuracy(MultiLayerNetwork net) {
        return net.evaluate(new ExampleIterator(test, 500, false, 0)).accuracy();
    }

    @Test
    void aUsersCnnOnImageFoldersTrainsInClusterModeOverTlsAsPlainFitDoes() throws Exception {
        TestCerts certs = TestCerts.create(dir, "yours");
        SharedToken token = TOKEN;
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(savedCnn, true);
        // Lossless coding (identity frames, float32 symbols): this test is about your network and data
        // in cluster mode, so it holds the run to plain fit's accuracy; what compression costs on this
        // small CNN is measured in docs/YOUR-DATA.md.
        CodedTrainingConfig config = CodedTrainingConfig.builder().workers(2).seed(SEED).lossless().build();
        long t0 = System.nanoTime();
        List<CompletableFuture<GrpcClusterWorker.Stats>> runs = new ArrayList<>();
        List<GrpcClusterWorker> workers = new ArrayList<>();
        try (ClusterServer ps = new ClusterServer(net, config, train, ClusterServer.Options.of(EPOCHS, BATCH, SEED));
             GrpcClusterServer grpc = GrpcClusterServer.builder(ps).host("127.0.0.1").port(0).token(token)
                     .security(TransportSecurity.serverTls(certs.cert(), certs.key())).start()) {
            for (int i = 0; i < 2; i++) {
                GrpcClusterWorker w = GrpcClusterWorker.builder("127.0.0.1", grpc.port()).name("w" + i).data(train)
                        .security(TransportSecurity.clientTls(certs.cert())).token(token).build();
                workers.add(w);
                runs.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return w.run();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            assertTrue(ps.awaitLiveWorkers(2, 2, TimeUnit.MINUTES), "both workers joined");
            ps.start();
            assertTrue(ps.awaitFinished(10, TimeUnit.MINUTES), "training finished");
            for (CompletableFuture<GrpcClusterWorker.Stats> r : runs) {
                r.get(1, TimeUnit.MINUTES);
            }
            assertEquals(0, ps.stats().rejectedTotal(), "no refused message");
        } finally {
            workers.forEach(GrpcClusterWorker::close);
        }
        double clusterSeconds = (System.nanoTime() - t0) / 1e9;
        double cluster = accuracy(net); // the user's network object is the trained one
        File saved = dir.resolve("after-cluster.zip").toFile();
        ModelSerializer.writeModel(net, saved, true);
        assertEquals(net.params(), ModelSerializer.restoreMultiLayerNetwork(saved, true).params(), "plain DL4J loads it");

        MultiLayerNetwork plain = ModelSerializer.restoreMultiLayerNetwork(savedCnn, true);
        plain.fit(new ExampleIterator(train, BATCH, true, SEED), EPOCHS);
        double plainAccuracy = accuracy(plain);
        System.out.printf("images, user's CNN, %d epochs: cluster (2 workers, TLS, lossless coding) %.4f in %.0f s; plain fit %.4f%n",
                EPOCHS, cluster, clusterSeconds, plainAccuracy);
        assertTrue(plainAccuracy > 0.85, "plain fit learns the digits: " + plainAccuracy);
        assertEquals(plainAccuracy, cluster, 0.01, "cluster mode within 1 pp of plain fit");
    }

    @Test
    void aWorkerWithOtherImagesIsRefusedNamingBothData() throws Exception {
        DataSet changed = train.all();
        changed.getFeatures().putScalar(new long[]{0, 0, 14, 14}, 0.5); // one pixel of one image
        InMemoryExampleSource other = InMemoryExampleSource.of(changed, "digits-png/train");
        CodedTrainingConfig config = CodedTrainingConfig.builder().workers(1).seed(SEED).build();
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(savedCnn, true);
        try (ClusterServer ps = new ClusterServer(net, config, train, ClusterServer.Options.of(1, BATCH, SEED));
             GrpcClusterServer grpc = GrpcClusterServer.builder(ps).port(0).token(TOKEN)
                     .security(TransportSecurity.insecurePlaintextLoopback()).start();
             GrpcClusterWorker w = GrpcClusterWorker.builder("127.0.0.1", grpc.port()).name("other").data(other)
                     .security(TransportSecurity.insecurePlaintextLoopback()).token(TOKEN).build()) {
            GrpcClusterWorker.WorkerFailedException e = org.junit.jupiter.api.Assertions.assertThrows(
                    GrpcClusterWorker.WorkerFailedException.class, w::run);
            assertTrue(e.getMessage().contains("the server trains on " + train.fingerprint() + ", this worker has "
                    + other.fingerprint()), e.getMessage());
        }
    }
}
