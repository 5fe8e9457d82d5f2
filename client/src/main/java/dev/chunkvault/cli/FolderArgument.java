package dev.chunkvault.cli;

import picocli.CommandLine.Parameters;

/** A mixin: the folder a command works on, its first argument (default: the current folder). */
final class FolderArgument {
    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "The folder (default: here).")
    String dir;
}
