package io.github.dl4jcoded.engine.tangent;

import io.github.dl4jcoded.engine.UnsupportedLayerException;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;

/** What a tangent rule may know about the layer it runs for. */
public record LayerContext(int index, Layer layer, int iteration, int epoch) {

    public org.deeplearning4j.nn.conf.layers.Layer conf() {
        return layer.conf().getLayer();
    }

    public LayerWorkspaceMgr workspaces() {
        return LayerWorkspaceMgr.noWorkspaces();
    }

    public String describe() {
        org.deeplearning4j.nn.conf.layers.Layer c = conf();
        String name = c.getLayerName();
        return c.getClass().getSimpleName() + (name == null ? "" : " '" + name + "'");
    }

    public UnsupportedLayerException unsupported(String what) {
        return new UnsupportedLayerException(index, describe(), what);
    }
}
