package io.github.dl4jcoded.cluster;

/** What the server sends one worker, in order: a transport delivers these exactly as queued. */
public sealed interface Downlink permits Welcome, Job, LogEntry, Finished {
}
