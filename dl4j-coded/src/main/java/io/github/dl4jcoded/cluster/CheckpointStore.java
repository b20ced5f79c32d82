package io.github.dl4jcoded.cluster;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.dl4jcoded.nn.Network;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Checkpoints of a {@link ClusterServer} in one directory: the network with its updater state
 * ({@code model-<seq>.zip}, DL4J's own format) and the rest of the server's state
 * ({@code checkpoint.json}). Both are written to temporary files, forced to disk and renamed; the
 * rename of {@code checkpoint.json} is the commit point, so a crash at any moment leaves the
 * previous checkpoint or the new one, never a mix.
 *
 * <p>Beside them, {@code journal.tsv} lists every applied log entry (seq, round, version, the
 * batch it came from, the workers whose messages it holds). On resume the lines after the
 * checkpoint are rolled back with it, so the journal of a finished run shows each update once.
 */
final class CheckpointStore {
    static final String STATE_FILE = "checkpoint.json";
    static final String JOURNAL_FILE = "journal.tsv";
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /**
     * Everything but the network.
     *
     * @param pendingJobs ASYNC: shares of drawn minibatches not yet handed out, in order
     */
    record State(long seq, long version, long nextRound, int scheduleEpoch, int scheduleBatch, String model,
                 String configJson, String dataFingerprint, byte[] codecState, List<PendingJob> pendingJobs,
                 long bytesUp, long bytesDown, long rounds) {
    }

    /** A share of a minibatch waiting for a worker. */
    record PendingJob(int epoch, int batch, int part, int[] examples) {
    }

    record Loaded(State state, Network network) {
    }

    private final Path dir;

    CheckpointStore(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create checkpoint directory " + dir, e);
        }
    }

    Path dir() {
        return dir;
    }

    Optional<Loaded> latest() {
        Path statePath = dir.resolve(STATE_FILE);
        if (!Files.exists(statePath)) {
            return Optional.empty();
        }
        try {
            State s = JSON.readValue(statePath.toFile(), State.class);
            Network net = Network.restore(dir.resolve(s.model()).toFile());
            return Optional.of(new Loaded(s, net));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the checkpoint in " + dir + " (delete the directory to start over)", e);
        }
    }

    void write(Network net, State state) {
        try {
            Path model = dir.resolve(state.model());
            Path tmpModel = dir.resolve(state.model() + ".tmp");
            try (OutputStream out = Files.newOutputStream(tmpModel)) {
                net.save(out, true);
            }
            commit(tmpModel, model);
            Path tmpState = dir.resolve(STATE_FILE + ".tmp");
            Files.write(tmpState, JSON.writeValueAsBytes(state));
            commit(tmpState, dir.resolve(STATE_FILE));
            try (DirectoryStream<Path> old = Files.newDirectoryStream(dir, "model-*.zip")) {
                for (Path p : old) {
                    if (!p.getFileName().toString().equals(state.model())) {
                        Files.delete(p);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a checkpoint to " + dir, e);
        }
    }

    void appendJournal(String line) {
        try {
            Files.writeString(dir.resolve(JOURNAL_FILE), line + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the journal in " + dir, e);
        }
    }

    /** Drops journal lines of entries after {@code seq} (rolled back with the crash). */
    void truncateJournal(long seq) {
        Path journal = dir.resolve(JOURNAL_FILE);
        if (!Files.exists(journal)) {
            return;
        }
        try {
            List<String> kept = new ArrayList<>();
            for (String line : Files.readAllLines(journal, StandardCharsets.UTF_8)) {
                if (!line.isBlank() && Long.parseLong(line.substring(0, line.indexOf('\t'))) <= seq) {
                    kept.add(line);
                }
            }
            Path tmp = dir.resolve(JOURNAL_FILE + ".tmp");
            Files.write(tmp, kept, StandardCharsets.UTF_8);
            commit(tmp, journal);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot roll back the journal in " + dir, e);
        }
    }

    private static void commit(Path tmp, Path target) throws IOException {
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + target.getParent() + " cannot rename atomically; checkpoints need it", e);
        }
    }
}
