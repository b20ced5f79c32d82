/**
 * Your own data through DataVec: any {@code RecordReader} read into one labelled
 * {@code DataSet} ({@link io.github.dl4jcoded.datasets.files.RecordReaders}), a CSV file
 * ({@link io.github.dl4jcoded.datasets.files.CsvData}), a folder of labelled images, one folder
 * per class ({@link io.github.dl4jcoded.datasets.files.ImageFolder}), and DL4J's normalizers
 * fitted on the training part ({@link io.github.dl4jcoded.datasets.files.Normalization}). Bad
 * input ends in an {@code IllegalArgumentException} naming the file, the line or the image,
 * and what to change.
 */
package io.github.dl4jcoded.datasets.files;
