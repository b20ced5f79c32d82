/**
 * Engines: how a worker computes its symbols, the directional derivatives {@code <grad L, u>} of
 * the minibatch loss along given directions (DESIGN section 2).
 *
 * <ul>
 *   <li>{@link io.github.dl4jcoded.engine.DirectionalDerivativeEngine}: the one interface; directions
 *       are rows in the layout of {@code net.params()}.</li>
 *   <li>{@link io.github.dl4jcoded.engine.ForwardModeEngine}: forward-mode AD (JVP) with one tangent
 *       rule per DL4J layer type ({@code engine.tangent}); a direction starting at layer l pays
 *       only for layers l..L; memory of one layer, nothing kept for a backward pass.</li>
 *   <li>{@link io.github.dl4jcoded.engine.ReverseThenProjectEngine}: one DL4J backprop, then dot
 *       products; cheaper when a worker sends many directions.</li>
 *   <li>{@link io.github.dl4jcoded.engine.FiniteDifferenceEngine}: central differences, for any
 *       network, as a fallback and cross-check.</li>
 *   <li>{@link io.github.dl4jcoded.nn.ParamLayout}: which indices belong to which layer and
 *       parameter, and where a direction starts.</li>
 *   <li>{@link io.github.dl4jcoded.engine.GradCheck}: every engine against DL4J's backprop, per layer.</li>
 * </ul>
 * This package takes plain direction arrays; it does not depend on the code, frame or decoding
 * packages (the arrows point from them to here).
 */
package io.github.dl4jcoded.engine;
