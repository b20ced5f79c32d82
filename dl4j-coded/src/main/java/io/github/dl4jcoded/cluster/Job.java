package io.github.dl4jcoded.cluster;

/**
 * Work for one worker: compute a message for {@code round} on the examples at these indices,
 * against the replica as it stands when the job is taken (every log entry queued before the
 * job has been replayed by then).
 */
public record Job(long round, int[] examples) implements Downlink {
    public Job {
        examples = examples.clone();
    }
}
