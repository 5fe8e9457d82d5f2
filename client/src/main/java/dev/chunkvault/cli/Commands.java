package dev.chunkvault.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code chunkvault} command line (picocli): the root command with the global options, wired to one class per
 * subcommand ({@code LoginCommand}, {@code PushCommand}, ...).
 */
public final class Commands {
    private Commands() {}

    static final String EXIT_CODES = "%nExit codes: 0 ok, 1 error, 2 usage, 3 conflicts left, 4 not signed in,"
            + " 5 service unavailable, 6 integrity (hash mismatch), 7 refused by a safeguard (mass delete: --force;"
            + " folder of another account: sync --rebind; names pull may not write here: skipped), 8 another sync of"
            + " the folder is running,"
            + " 130 interrupted.";

    @Command(name = "chunkvault", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = "Chunkvault: a file store with content-defined chunking and delta sync.",
            footer = EXIT_CODES,
            subcommands = {LoginCommand.class, LogoutCommand.class, PushCommand.class, PullCommand.class, SyncCommand.class,
                    StatusCommand.class, LsCommand.class, HistoryCommand.class, RestoreCommand.class, RewindCommand.class, RmCommand.class,
                    ConflictsCommand.class, VerifyCommand.class, UsageCommand.class, GcCommand.class, AuditCommand.class,
                    QuotaCommand.class, SmokeTestCommand.class, CompletionCommand.class, ManCommand.class})
    public static final class Root implements Callable<Integer> {
        final CliContext cli;

        Root(CliContext cli) {
            this.cli = cli;
        }

        @Option(names = "--json", description = "Print results as JSON (for scripts).", scope = picocli.CommandLine.ScopeType.INHERIT)
        void json(boolean b) {
            cli.json = b;
        }

        @Option(names = "--debug", description = "Show stack traces of failures.", scope = picocli.CommandLine.ScopeType.INHERIT)
        void debug(boolean b) {
            cli.debug = b;
        }

        @Option(names = {"-q", "--quiet"}, description = "Print only errors and the result.", scope = picocli.CommandLine.ScopeType.INHERIT)
        void quiet(boolean b) {
            cli.quiet = b;
        }

        @Option(names = "--endpoint", paramLabel = "URL", description = "API endpoint (overrides config and CHUNKVAULT_ENDPOINT).",
                scope = picocli.CommandLine.ScopeType.INHERIT)
        void endpoint(String e) {
            cli.endpointOverride = e;
        }

        @Option(names = "--bwlimit", paramLabel = "RATE", description = "Limit the bytes per second of all uploads and of"
                + " all downloads together: 10M, 512K, or UP:DOWN as 10M:2M (units B, K, M, G; off). Overrides"
                + " CHUNKVAULT_BWLIMIT.", scope = picocli.CommandLine.ScopeType.INHERIT)
        void bwlimit(String b) {
            cli.bwlimit = b;
        }

        @Option(names = "--profile", paramLabel = "NAME", description = "Use the named profile's account and endpoint"
                + " (overrides CHUNKVAULT_PROFILE; each profile signs in on its own).", scope = picocli.CommandLine.ScopeType.INHERIT)
        void profile(String p) {
            cli.profile = p;
        }

        @Option(names = "--parallel", paramLabel = "N", description = "Concurrent chunk transfers (default 8).",
                scope = picocli.CommandLine.ScopeType.INHERIT)
        void parallel(int n) {
            if (n < 1 || n > 256) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--parallel must be 1..256");
            }
            cli.parallel = n;
        }

        @Override
        public Integer call() {
            new picocli.CommandLine(this).usage(cli.out);
            return ExitCodes.USAGE;
        }
    }

    static final class VersionProvider implements picocli.CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"chunkvault " + dev.chunkvault.client.Version.VERSION};
        }
    }
}
