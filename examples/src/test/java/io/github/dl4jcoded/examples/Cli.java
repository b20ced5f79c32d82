package io.github.dl4jcoded.examples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the command line in the test's JVM and keeps what it printed (echoed to the test's output too). */
final class Cli {
    private static String output = "";

    private Cli() {
    }

    /** The exit code of {@code coded args...}; {@link #output()} has its stdout and stderr. */
    static int run(String... args) {
        PrintStream old = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream p = new PrintStream(buf, true, StandardCharsets.UTF_8);
        System.setOut(p);
        System.setErr(p);
        try {
            return Main.run(args);
        } finally {
            System.setOut(old);
            System.setErr(oldErr);
            output = buf.toString(StandardCharsets.UTF_8);
            System.out.print(output);
        }
    }

    /** What the last {@link #run} printed. */
    static String output() {
        return output;
    }
}
