package io.github.dl4jcoded.datasets.files;

import org.datavec.api.io.labels.ParentPathLabelGenerator;
import org.datavec.api.split.CollectionInputSplit;
import org.datavec.image.loader.NativeImageLoader;
import org.datavec.image.recordreader.ImageRecordReader;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A folder of labelled images, one sub-folder per class ({@code dir/cat/1.png}, {@code dir/dog/7.jpg}),
 * read with DataVec's {@link ImageRecordReader} and {@link ParentPathLabelGenerator}: every image
 * scaled to {@code height x width} with {@code channels} channels, features {@code [n, channels,
 * height, width]} with the raw pixel values (0..255 for 8-bit images; {@link Normalization#SCALE}
 * maps them to [0, 1]). Classes are the sub-folders in name order, examples in class then file
 * name order, so two machines reading the same folder build the same data set.
 */
public final class ImageFolder {
    private ImageFolder() {
    }

    /** The images and the class names (label i is {@code classes.get(i)}). */
    public record Labelled(DataSet data, List<String> classes) {
    }

    /**
     * @throws IllegalArgumentException when the folder is missing, has no class folders with images, holds an
     *                                  image outside a class folder, or an image cannot be decoded (named)
     */
    public static Labelled read(Path dir, int height, int width, int channels) {
        if (height < 1 || width < 1 || channels < 1) {
            throw new IllegalArgumentException("image height, width and channels must be positive, got "
                    + height + " x " + width + " x " + channels);
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + ": no such folder");
        }
        Set<String> formats = Set.of(NativeImageLoader.ALLOWED_FORMATS);
        List<String> classes = new ArrayList<>();
        List<URI> images = new ArrayList<>();
        try (Stream<Path> top = Files.list(dir)) {
            for (Path p : top.sorted().toList()) {
                if (Files.isRegularFile(p) && isImage(p, formats)) {
                    throw new IllegalArgumentException(p + " is not in a class folder: put each class's images in a"
                            + " folder of its own under " + dir);
                }
                if (!Files.isDirectory(p)) {
                    continue;
                }
                try (Stream<Path> files = Files.list(p)) {
                    List<URI> inClass = files.filter(f -> Files.isRegularFile(f) && isImage(f, formats)).sorted()
                            .map(Path::toUri).toList();
                    if (!inClass.isEmpty()) {
                        classes.add(p.getFileName().toString());
                        images.addAll(inClass);
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(dir + ": cannot list: " + e.getMessage(), e);
        }
        if (classes.size() < 2) {
            throw new IllegalArgumentException(dir + " has " + (classes.isEmpty() ? "no class folders" : "one class folder ("
                    + classes.get(0) + ")") + " with images (" + String.join(", ", formats.stream()
                    .map(f -> f.toLowerCase(Locale.ROOT)).distinct().sorted().toList())
                    + "): a classifier needs one folder per class, at least two (" + dir + "/cat/1.png, " + dir + "/dog/2.png)");
        }
        ImageRecordReader reader = new ImageRecordReader(height, width, channels, new ParentPathLabelGenerator());
        try {
            reader.initialize(new CollectionInputSplit(images));
        } catch (IOException e) {
            throw new IllegalArgumentException(dir + ": cannot read: " + e.getMessage(), e);
        }
        if (!reader.getLabels().equals(classes)) { // DataVec sorts the labels it finds; the same order is assumed below
            throw new IllegalStateException("DataVec's classes " + reader.getLabels() + " differ from the folders " + classes);
        }
        try {
            return new Labelled(RecordReaders.read(reader, -1, classes.size(), dir.toString()), List.copyOf(classes));
        } catch (RecordReaders.UnreadableRecordException e) {
            java.io.File bad = reader.getCurrentFile(); // the image being read when it failed
            throw bad == null ? e : new IllegalArgumentException(bad + ": cannot be read as an image ("
                    + RecordReaders.rootMessage(e) + "): remove or replace it", e);
        }
    }

    private static boolean isImage(Path p, Set<String> formats) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && formats.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }
}
