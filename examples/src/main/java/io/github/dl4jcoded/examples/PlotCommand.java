package io.github.dl4jcoded.examples;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code plot}: test accuracy against compression, one series per method, from a results CSV
 * with columns {@code method,options,seed,compression_vs_dense,test_accuracy_5_epochs}.
 */
@Command(name = "plot", mixinStandardHelpOptions = true,
        description = "Plot test accuracy against compression from a results CSV (e.g. docs/results-local.csv) to a PNG.")
public final class PlotCommand implements Callable<Integer> {
    @Option(names = "--csv", required = true, description = "results CSV")
    File csv;

    @Option(names = "--out", required = true, description = "PNG to write")
    File out;

    @Option(names = "--title", defaultValue = "LeNet on MNIST, 5 epochs: accuracy against compression",
            description = "chart title")
    String title;

    @Override
    public Integer call() throws IOException {
        List<String> lines = Files.readAllLines(csv.toPath(), StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).startsWith("method,")) {
            throw new IllegalArgumentException(csv + " is not a results CSV (expected a 'method,...' header)");
        }
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split(",");
            if (f.length != 5) {
                throw new IllegalArgumentException(csv + " line " + (i + 1) + " has " + f.length + " fields, expected 5");
            }
            series.computeIfAbsent(f[0], k -> new ArrayList<>())
                    .add(new double[]{Double.parseDouble(f[3]), Double.parseDouble(f[4])});
        }
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(560).title(title)
                .xAxisTitle("compression vs dense gradients (x, log scale)").yAxisTitle("test accuracy").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(10);
        for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
            List<double[]> pts = e.getValue();
            pts.sort((a, b) -> Double.compare(a[0], b[0]));
            double[] x = pts.stream().mapToDouble(p -> p[0]).toArray();
            double[] y = pts.stream().mapToDouble(p -> p[1]).toArray();
            XYSeries s = chart.addSeries(e.getKey(), x, y);
            if (x.length > 1 && e.getKey().startsWith("coded low-rank") && !e.getKey().contains("damped")) {
                s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
                s.setMarker(SeriesMarkers.CIRCLE);
            }
        }
        BitmapEncoder.saveBitmap(chart, out.getPath(), BitmapEncoder.BitmapFormat.PNG);
        System.out.println("wrote " + out.getPath());
        return 0;
    }
}
