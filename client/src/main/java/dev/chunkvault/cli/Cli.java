package dev.chunkvault.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;

/**
 * The {@code chunkvault} command line, one per invocation: {@link #run} parses, executes and maps every failure to an
 * {@link ExitCodes exit code}. Each command is made with the invocation's {@link CliContext}, which is all it sees.
 */
public final class Cli {
    private final CliContext context;

    public Cli(Map<String, String> env, PrintStream out, PrintStream err, boolean interactive) {
        this.context = new CliContext(env, out, err, interactive);
    }

    public Cli withCwd(Path dir) {
        context.cwd = dir.toAbsolutePath();
        return this;
    }

    public CommandLine commandLine() {
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                K made = CommandLine.defaultFactory().create(cls);
                if (made instanceof Subcommand sub) {
                    sub.context = context;
                }
                return made;
            }
        };
        CommandLine cl = new CommandLine(new Commands.Root(context), factory);
        cl.setOut(new PrintWriter(context.out, true));
        cl.setErr(new PrintWriter(context.err, true));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, args) -> {
            context.err.println("chunkvault: " + ex.getMessage());
            CommandLine c = ex.getCommandLine();
            context.err.println("Try `" + c.getCommandSpec().qualifiedName() + " --help`.");
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> context.report(ex));
        return cl;
    }

    /** Runs one command line; never throws. */
    public int run(String... args) {
        try {
            return commandLine().execute(args);
        } finally {
            context.close();
        }
    }
}
