package io.github.dl4jcoded.bench;

import java.util.Arrays;
import java.util.List;

/** Order statistics of repeated timings (linear interpolation between ranks), shared by the probes. */
public final class Stats {
    private Stats() {
    }

    public static double median(List<Double> v) {
        return quantile(v, 0.5);
    }

    /** The interquartile range. */
    public static double iqr(List<Double> v) {
        return quantile(v, 0.75) - quantile(v, 0.25);
    }

    public static double quantile(List<Double> v, double q) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        double pos = q * (a.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return a[lo] + (a[hi] - a[lo]) * (pos - lo);
    }
}
