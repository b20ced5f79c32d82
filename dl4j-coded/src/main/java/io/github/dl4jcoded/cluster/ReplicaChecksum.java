package io.github.dl4jcoded.cluster;

import io.github.dl4jcoded.nn.Network;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * A CRC-32C over the exact bits of a network's parameters, updater state and iteration count:
 * equal on server and replica exactly when replay kept them identical. Never 0, so that 0 can
 * mean "no checksum" in a log entry.
 */
public final class ReplicaChecksum {
    private ReplicaChecksum() {
    }

    public static long of(Network net) {
        CRC32C crc = new CRC32C();
        update(crc, net.params());
        INDArray state = net.updaterState();
        if (state != null && !state.isEmpty()) {
            update(crc, state);
        }
        crc.update(ByteBuffer.allocate(8).putInt(net.getIterationCount()).putInt(net.getEpochCount()).flip());
        return crc.getValue() | (1L << 32); // never 0
    }

    private static void update(CRC32C crc, INDArray a) {
        ByteBuffer b = a.data().asNio().duplicate();
        long offset = a.offset() * a.data().getElementSize();
        long length = a.length() * a.data().getElementSize();
        b.position(Math.toIntExact(offset)).limit(Math.toIntExact(offset + length));
        crc.update(b);
    }
}
