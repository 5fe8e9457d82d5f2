package dev.chunkvault.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code chunkvault completion bash|zsh}: a completion script generated from the command definitions. */
@Command(mixinStandardHelpOptions = true, name = "completion", description = {"Print a shell completion script for"
        + " every command and option.",
        "  bash: source <(chunkvault completion bash)   zsh: autoload -U +X bashcompinit && bashcompinit;"
                + " source <(chunkvault completion zsh)"})
final class CompletionCommand extends Subcommand {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "SHELL", defaultValue = "bash", description = "bash (default) or zsh.")
    String shell;

    @Override
    public Integer call() {
        if (!shell.equals("bash") && !shell.equals("zsh")) {
            throw CliException.usage("completion knows bash and zsh (zsh uses the bash script through bashcompinit).");
        }
        // picocli's script serves both: zsh runs it through bashcompinit.
        cli().out.print(AutoComplete.bash("chunkvault", spec.root().commandLine()));
        return ExitCodes.OK;
    }
}
