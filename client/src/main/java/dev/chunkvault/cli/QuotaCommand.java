package dev.chunkvault.cli;

import dev.chunkvault.client.model.Usage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code chunkvault quota}: sets one account's storage quota (operators). */
@Command(mixinStandardHelpOptions = true, name = "quota", description = {"Set one account's storage quota"
        + " (operators; needs the admin scope).",
        "  chunkvault quota SUB 50GiB    chunkvault quota SUB unlimited    chunkvault quota SUB --default"})
final class QuotaCommand extends Subcommand {
    @Parameters(index = "0", paramLabel = "ACCOUNT", description = "The account's subject (the sub of its tokens).")
    String owner;

    @Parameters(index = "1", arity = "0..1", paramLabel = "SIZE",
            description = "The quota: bytes, or with a unit (500MiB, 50GiB, 2TiB; KB, MB, GB, TB are powers of"
                    + " 1000), or 'unlimited'.")
    String size;

    @Option(names = "--default", description = "Remove the account's own quota: the deployment's default applies.")
    boolean clear;

    @Override
    public Integer call() {
        if (clear == (size != null)) {
            throw CliException.usage("Give a SIZE, or --default to remove the account's own quota.");
        }
        Usage u = cli().client().setQuota(owner, clear ? null : parseSize(size));
        cli().emit(u, o -> {
            o.println("Quota of " + owner + ": " + (u.quota() == null ? "unlimited" : Human.bytes(u.quota()))
                    + (clear ? " (the default)" : "") + ".");
            UsageCommand.describe(o, u);
        });
        return ExitCodes.OK;
    }

    static long parseSize(String s) {
        String t = s.trim().toLowerCase(java.util.Locale.ROOT).replace(" ", "");
        if (t.equals("unlimited") || t.equals("0")) {
            return 0;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]+(?:\\.[0-9]+)?)([kmgtp]?i?b?)").matcher(t);
        if (!m.matches()) {
            throw CliException.usage("'" + s + "' is not a size (e.g. 50GiB, 500MB, 1073741824 or unlimited).");
        }
        String unit = m.group(2).replace("b", "");
        int power = unit.isEmpty() ? 0 : "kmgtp".indexOf(unit.charAt(0)) + 1;
        double base = unit.endsWith("i") ? 1024 : 1000;
        double bytes = Double.parseDouble(m.group(1)) * Math.pow(base, power);
        if (bytes < 1 || bytes > (double) (1L << 60)) {
            throw CliException.usage("'" + s + "' is out of range (1 byte to 1 EiB, or unlimited).");
        }
        return (long) Math.ceil(bytes);
    }
}
