/**
 * Cluster mode without the wire: the parameter server's state machine
 * ({@link io.github.dl4jcoded.cluster.ClusterServer}) and a worker's replica that replays the
 * server's log ({@link io.github.dl4jcoded.cluster.WorkerReplica}), with checkpoints and message
 * validation. A transport (the {@code grpc} subpackage) only moves {@link
 * io.github.dl4jcoded.cluster.Downlink} items to workers and {@link
 * io.github.dl4jcoded.training.WorkerMessage}s to the server, so the whole protocol can be tested
 * in one JVM.
 *
 * <p>Both directions carry scalars: the server orders the messages it applies into a log of
 * {@link io.github.dl4jcoded.cluster.LogEntry}s and broadcasts it; every worker replays the same
 * deterministic decode-and-update on its replica, so parameters are shipped only when a worker
 * joins or a checksum says its replica drifted.
 */
package io.github.dl4jcoded.cluster;
