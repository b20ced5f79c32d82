/**
 * Frames F_j^(t): r orthonormal directions per block, regenerated from (seed, step, block) by a
 * {@link io.github.dl4jcoded.frame.FrameFamily} so that only scalars cross the wire. A block's
 * symbol is s_j = F_j^T g_j (encode); a decoder turns symbols back into a gradient with F_j s
 * (lift). Pure math on double arrays.
 */
package io.github.dl4jcoded.frame;
