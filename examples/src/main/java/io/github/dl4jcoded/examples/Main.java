package io.github.dl4jcoded.examples;

import io.github.dl4jcoded.datasets.mnist.DataUnavailableException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The dl4j-coded command-line program; each job is a subcommand. */
@Command(name = "coded", mixinStandardHelpOptions = true, version = "dl4j-coded 0.1.0",
        description = "Coded, compressed, asynchronous distributed training for DL4J.",
        subcommands = {TrainCommand.class, ExportCommand.class, GradCheckCommand.class, PlotCommand.class, CompareCommand.class, TuneCommand.class,
                ServerCommand.class, WorkerCommand.class, LoadTestCommand.class, SimCheckCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the program and returns its exit code (tests call this instead of main). */
    public static int run(String... args) {
        CodedOptions.publishDefaults(); // the options' help names the configuration's real defaults
        return new CommandLine(new Main())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((ex, cmd, parsed) -> {
                    // A user's mistake (or a setup problem: no npm, no network) gets one clear line, not a
                    // stack trace; bugs keep theirs.
                    if (ex instanceof IllegalArgumentException || ex instanceof DataUnavailableException) {
                        cmd.getErr().println("error: " + ex.getMessage());
                        return 2;
                    }
                    throw ex;
                })
                .execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand, e.g. 'train'");
    }
}
