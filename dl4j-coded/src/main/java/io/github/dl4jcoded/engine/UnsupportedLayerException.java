package io.github.dl4jcoded.engine;

/**
 * Thrown by {@link ForwardModeEngine} when a layer (or a layer option, activation or input
 * preprocessor) has no tangent rule. Never a silent wrong number: the message names the layer
 * and points to the engines that work for every network.
 */
public class UnsupportedLayerException extends UnsupportedOperationException {

    public UnsupportedLayerException(int layerIndex, String layerDescription, String what) {
        super("Forward mode has no tangent rule for layer " + layerIndex + " (" + layerDescription + "): "
                + what + ". Use ReverseThenProjectEngine (one backprop, then projections) or "
                + "FiniteDifferenceEngine for this network.");
    }

    private UnsupportedLayerException(String message) {
        super(message);
    }

    /** A graph vertex (not a layer) without a tangent rule, named by its vertex name and class. */
    public static UnsupportedLayerException vertex(String vertexName, String vertexClass, String what) {
        return new UnsupportedLayerException("Forward mode has no tangent rule for graph vertex '" + vertexName
                + "' (" + vertexClass + "): " + what + ". Use ReverseThenProjectEngine (one backprop, then "
                + "projections) or FiniteDifferenceEngine for this network.");
    }
}
