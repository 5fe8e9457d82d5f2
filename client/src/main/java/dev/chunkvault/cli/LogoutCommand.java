package dev.chunkvault.cli;

import java.io.IOException;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code chunkvault logout}: forgets the stored token. */
@Command(mixinStandardHelpOptions = true, name = "logout", description = "Forget the stored token.")
final class LogoutCommand extends Subcommand {
    @Override
    public Integer call() throws IOException {
        Config c = cli().fileConfig();
        c.signedOut().save(cli().configDir());
        cli().emit(Map.of("signedOut", true), o -> o.println("Signed out."));
        return ExitCodes.OK;
    }
}
