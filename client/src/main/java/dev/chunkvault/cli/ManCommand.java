package dev.chunkvault.cli;

import java.time.LocalDate;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Spec;

/** {@code chunkvault man}: the manual page (roff), generated from the command definitions. */
@Command(mixinStandardHelpOptions = true, name = "man", description = {"Print the manual page (roff) of every command.",
        "  chunkvault man > chunkvault.1 && man ./chunkvault.1"})
final class ManCommand extends Subcommand {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        CommandSpec root = spec.root();
        StringBuilder m = new StringBuilder();
        m.append(".TH CHUNKVAULT 1 \"").append(LocalDate.now()).append("\" \"chunkvault ")
                .append(esc(String.join(" ", root.version()))).append("\" \"User Commands\"\n");
        m.append(".SH NAME\nchunkvault \\- ").append(esc(String.join(" ", root.usageMessage().description()))).append('\n');
        m.append(".SH SYNOPSIS\n.B chunkvault\n[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGS\\fR]\n");
        m.append(".SH GLOBAL OPTIONS\n");
        options(m, root.options());
        m.append(".SH COMMANDS\n");
        for (var e : root.subcommands().entrySet()) {
            CommandSpec c = e.getValue().getCommandSpec();
            m.append(".SS ").append(esc(e.getKey()));
            for (PositionalParamSpec p : c.positionalParameters()) {
                m.append(' ').append(esc(p.paramLabel()));
            }
            m.append('\n').append(esc(String.join(" ", c.usageMessage().description()).strip())).append('\n');
            for (PositionalParamSpec p : c.positionalParameters()) {
                m.append(".TP\n.I ").append(esc(p.paramLabel())).append('\n').append(esc(description(p))).append('\n');
            }
            options(m, c.options().stream().filter(o -> !o.inherited() && !o.usageHelp() && !o.versionHelp()).toList());
        }
        m.append(".SH EXIT STATUS\n").append(esc(String.format(Commands.EXIT_CODES).strip())).append('\n');
        m.append(".SH ENVIRONMENT\nCHUNKVAULT_ENDPOINT, CHUNKVAULT_TOKEN, CHUNKVAULT_CONFIG_DIR, CHUNKVAULT_DEVICE, HTTPS_PROXY,"
                + " HTTP_PROXY, NO_PROXY, CHUNKVAULT_PROXY, CHUNKVAULT_PACKS (see client/README.md).\n");
        cli().out.print(m);
        return ExitCodes.OK;
    }

    private static void options(StringBuilder m, List<OptionSpec> options) {
        for (OptionSpec o : options) {
            m.append(".TP\n.B ").append(esc(String.join(", ", o.names())));
            if (o.arity().max() > 0 && !o.paramLabel().isEmpty()) {
                m.append(" \\fI").append(esc(o.paramLabel())).append("\\fR");
            }
            m.append('\n').append(esc(description(o))).append('\n');
        }
    }

    private static String description(ArgSpec a) {
        return String.join(" ", a.description()).replace("%n", " ").strip();
    }

    /** roff: backslashes doubled, a leading dot or quote neutralised, hyphens as minus signs in option names. */
    static String esc(String s) {
        String out = s.replace("\\", "\\\\").replace("-", "\\-");
        return out.startsWith(".") || out.startsWith("'") ? "\\&" + out : out;
    }
}
