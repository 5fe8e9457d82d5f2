package dev.chunkvault.cli;

/** The {@code chunkvault} command. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        int code = new Cli(System.getenv(), System.out, System.err, System.console() != null).run(args);
        System.out.flush();
        System.exit(code);
    }
}
