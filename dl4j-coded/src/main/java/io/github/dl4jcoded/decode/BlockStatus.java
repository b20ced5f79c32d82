package io.github.dl4jcoded.decode;

/** What a decoder knows about one block. */
public enum BlockStatus {
    /** The block's symbols s_j = F_j^T g_j are determined exactly by the codewords received. */
    RESOLVED,
    /** Touched by some codeword but not determined: a projection / least-squares estimate. */
    ESTIMATED,
    /** No usable information: never write it, and the updater must not move it. */
    MISSING
}
