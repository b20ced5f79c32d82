/**
 * Tangent rules, one per DL4J layer type, in the style of {@code jax.jvp}: each maps a
 * {@link io.github.dl4jcoded.engine.tangent.Dual} (primal activations and k tangents stacked on
 * the minibatch axis) and the layer's parameter tangents
 * ({@link io.github.dl4jcoded.engine.tangent.LayerDirections}) to the layer's output pair.
 * {@link io.github.dl4jcoded.engine.tangent.TangentRules} is the table; each rule is tested alone
 * against DL4J's backprop (TangentRulesTest).
 *
 * <p>DL4J 1.0.0-M2.1 facts the rules rely on: dense/output W is stored 'f' [nIn, nOut], conv W 'c'
 * [nOut, nIn, kH, kW] after b; activations and losses overwrite their arguments (rules pass
 * copies); dropout is applied to a layer's input only by dense, output, convolution and dropout
 * layers; ND4J's MaxPoolWithArgmax is broken (max pooling uses im2col + argmax + one-hot);
 * batch normalization uses the biased minibatch variance plus eps.
 */
package io.github.dl4jcoded.engine.tangent;
