package dev.chunkvault.client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs the CLI in a separate JVM (to kill it, or to bound its heap). */
public final class ChildJvm {
    private static final Path PERL = Path.of("/usr/bin/perl");

    private ChildJvm() {}

    public static String classpath() {
        String cp = System.getProperty("surefire.test.class.path");
        if (cp == null || cp.isBlank()) {
            cp = System.getProperty("java.class.path");
        }
        return cp;
    }

    public static Process start(List<String> jvmArgs, Map<String, String> env, Path cwd, Path log, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(PERL)) {
            // A test run started in the background (`cmd &` in a script) inherits SIGINT ignored, and a JVM leaves an
            // ignored SIGINT ignored, so a test's Ctrl-C would never reach the CLI. perl (Debian's essential perl-base)
            // puts INT and QUIT back to their defaults, then execs the JVM in its place.
            cmd.addAll(List.of(PERL.toString(), "-e", "$SIG{INT} = $SIG{QUIT} = 'DEFAULT'; exec { $ARGV[0] } @ARGV or die \"exec: $!\""));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(classpath());
        cmd.add("dev.chunkvault.cli.Main");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return pb.start();
    }
}
